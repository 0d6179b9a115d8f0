"""Integrity: similarity across the submissions to one question (issue 16, docs/integrity.md).

The engine is pure functions over `Submission`s: load answers with the `from_*` loaders,
`compare()` them, read a `SimilarityResult`. It never decides anything: a flag is a reason
for a person to look, with the evidence beside it.
"""

from hirebench.integrity.engine import Parameters, compare
from hirebench.integrity.fragments import Fragment
from hirebench.integrity.report import Issue, PairResult, SimilarityResult
from hirebench.integrity.submissions import (
    MAX_BYTES,
    Kind,
    Problem,
    Submission,
    from_notebook,
    from_python,
    from_rules,
    from_text,
    notebook_code_cells,
    rules_text,
)

__all__ = [
    "MAX_BYTES",
    "Fragment",
    "Issue",
    "Kind",
    "PairResult",
    "Parameters",
    "Problem",
    "SimilarityResult",
    "Submission",
    "compare",
    "from_notebook",
    "from_python",
    "from_rules",
    "from_text",
    "notebook_code_cells",
    "rules_text",
]
