"""The short questionnaires: after a module, a meeting or a carousel station, and the self-assessment."""
