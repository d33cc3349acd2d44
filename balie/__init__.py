"""Balie: training for public-library front-office staff."""
