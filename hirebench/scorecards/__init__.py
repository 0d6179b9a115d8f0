"""Composite scorecards: evidence, computation, recomputation and exports.

The scorecard data (the `data` JSON of a CandidateScorecard, the contract every export reads)
is documented in docs/scorecard.md."""
