"""Personal data (issue 19): consent records, the candidate's copy, erasure, retention and the
record of processing (docs/privacy.md).

Which rows belong to a person is read from the model metadata when it is needed (linked.py),
never listed by hand, so a table added later is exported and erased without anyone
remembering to add it here."""
