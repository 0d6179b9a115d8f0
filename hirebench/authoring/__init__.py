"""The file-format toolkit for authored YAML: the problem record and its error, the checker
that collects problems under key paths, anchored rubrics and scales, and the shared reader.

Exams, reusable rubrics, job profiles and the interview bank build on it. It sits in the
bottom layer: it imports nothing from exams, jobs, reviews or interviews."""

from hirebench.authoring.checker import (
    ID_PATTERN,
    ID_RULE,
    TEXT_MAX_CHARS,
    AuthoringError,
    Checker,
    Problem,
    describe,
    is_number,
    join,
)
from hirebench.authoring.reader import AuthoredFormat, read_text_file, yaml_mapping
from hirebench.authoring.rubric import (
    Criterion,
    Scale,
    parse_anchors,
    parse_rubric,
    rubric_from_json,
    rubric_to_json,
)

__all__ = [
    "ID_PATTERN",
    "ID_RULE",
    "TEXT_MAX_CHARS",
    "AuthoredFormat",
    "AuthoringError",
    "Checker",
    "Criterion",
    "Problem",
    "Scale",
    "describe",
    "is_number",
    "join",
    "parse_anchors",
    "parse_rubric",
    "read_text_file",
    "rubric_from_json",
    "rubric_to_json",
    "yaml_mapping",
]
