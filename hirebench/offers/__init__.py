"""Offers after the scorecard: terms and their versions, approval above the budget, the
letter, the candidate's answer and expiry (docs/offers.md)."""
