"""The offer catalogue and the referral tally."""
