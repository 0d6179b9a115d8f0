"""Onboarding: started by an accepted offer, a checklist for the new hire and the staff, the
guide to day one, reminders mailed by the worker, and the start-day check (docs/onboarding.md)."""
