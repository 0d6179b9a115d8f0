"""The hand-off to payroll and attendance (docs/handoff.md): the new-hire record built from an
accepted offer and its onboarding, validated against docs/new-hire.schema.json, published as
webhook events through the outbox, and exported as CSV, XLSX and JSON."""
