"""The warm hand-over: free slots, booking with consent, the appointment card, the Taalhuis side."""
