"""Interviews: the behavioural question bank and its STAR-based scoring guides."""
