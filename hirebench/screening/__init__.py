"""Resume screening: text extraction, field extraction, matching against a job profile,
ranking and the shortlist."""
