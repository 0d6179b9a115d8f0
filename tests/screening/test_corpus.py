"""The resume evaluation corpus (bench/resumes/corpus): its manifest is complete and valid,
covers both languages and all formats, holds enough unstable and over-budget candidates, and
the generator reproduces it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hirebench.jobs.profile import SKILL_LEVELS
from hirebench.paths import PROJECT_ROOT
from hirebench.screening.fields import PRESENT, ResumeFields

GENERATOR = PROJECT_ROOT / "bench" / "resumes" / "generate.py"
CORPUS = PROJECT_ROOT / "bench" / "resumes" / "corpus"
TAGS = {
    "python",
    "data-annotation",
    "ml-basics",
    "data-cleaning",
    "deep-learning",
    "tensorflow",
    "pytorch",
    "sql",
    "pandas",
    "nlp",
    "computer-vision",
    "excel",
    "prompt-engineering",
    "llm",
}
KEYS = {"name", "email", "phone", "language", "skills", "employers", "salary_expectation"}
MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")
BUDGET = {"month": 22000, "year": 264000}  # exams/jobs/ai-trainer-ecommerce.yaml
BAD_CODES = {
    "encrypted",
    "corrupt",
    "empty",
    "no_text_layer",
    "wrong_extension",
    "unsupported_type",
}


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return load(CORPUS / "expected.json")


def months_before(today: str, years: int) -> str:
    day = date.fromisoformat(today)
    return f"{day.year - years:04d}-{day.month:02d}"


def unstable(expected: dict[str, Any], today: str) -> bool:
    """At least 4 employers within the 3 years before `today`."""
    since = months_before(today, 3)
    recent = [e for e in expected["employers"] if e["end"] == PRESENT or e["end"] >= since]
    return len(recent) >= 4


def over_budget(expected: dict[str, Any]) -> bool:
    salary = expected["salary_expectation"]
    return salary is not None and salary["min"] > BUDGET[salary["period"]]


def test_manifest_counts_languages_and_formats(manifest: dict[str, Any]) -> None:
    resumes = manifest["resumes"]
    assert len(resumes) >= 60
    languages = [r["expected"]["language"] for r in resumes]
    assert languages.count("zh") >= 25
    assert languages.count("en") >= 25
    assert {Path(r["file"]).suffix for r in resumes} == {".pdf", ".docx", ".txt"}
    assert len({r["file"] for r in resumes}) == len(resumes)
    for resume in resumes:
        assert (CORPUS / resume["file"]).is_file(), resume["file"]


def test_expected_fields_are_valid(manifest: dict[str, Any]) -> None:
    assert date.fromisoformat(manifest["today"])
    today = manifest["today"][:7]
    emails, phones = set(), set()
    for resume in manifest["resumes"]:
        expected, where = resume["expected"], resume["file"]
        assert set(expected) == KEYS, where
        assert ResumeFields.from_json(expected).to_json() == expected, where
        assert expected["language"] in ("zh", "en"), where
        assert isinstance(expected["name"], str) and expected["name"].strip(), where
        assert re.fullmatch(r"[\w.+-]+@example\.(com|org|net)", expected["email"]), where
        assert re.fullmatch(r"1[3-9]\d{9}", expected["phone"]), where
        emails.add(expected["email"])
        phones.add(expected["phone"])
        assert expected["skills"], where
        for tag, claim in expected["skills"].items():
            assert tag in TAGS, (where, tag)
            assert set(claim) == {"level", "years"}, (where, tag)
            assert claim["level"] is None or claim["level"] in SKILL_LEVELS, (where, tag)
            years = claim["years"]
            assert years is None or (isinstance(years, float) and 0 < years <= 40), (where, tag)
        for employer in expected["employers"]:
            assert employer["name"].strip(), where
            assert MONTH.match(employer["start"]), (where, employer)
            end = employer["end"]
            assert end == PRESENT or (MONTH.match(end) and employer["start"] <= end), where
            assert employer["start"] <= today and (end == PRESENT or end <= today), where
        salary = expected["salary_expectation"]
        if salary is not None:
            assert salary["period"] in ("month", "year"), where
            assert isinstance(salary["min"], int) and isinstance(salary["max"], int), where
            assert 0 < salary["min"] <= salary["max"], where
    assert len(emails) == len(phones) == len(manifest["resumes"])


def test_flags_are_exercised(manifest: dict[str, Any]) -> None:
    expected = [r["expected"] for r in manifest["resumes"]]
    assert manifest["today"] == "2026-11-01"
    assert sum(unstable(e, manifest["today"]) for e in expected) >= 5
    assert sum(over_budget(e) for e in expected) >= 5
    assert sum(e["salary_expectation"] is None for e in expected) >= 5
    periods = {e["salary_expectation"]["period"] for e in expected if e["salary_expectation"]}
    assert periods == {"month", "year"}
    assert any(not e["employers"] for e in expected)  # a new graduate


def test_bad_files_are_listed() -> None:
    bad = load(CORPUS / "bad" / "bad.json")
    assert {item["code"] for item in bad} == BAD_CODES
    for item in bad:
        assert (CORPUS / "bad" / item["file"]).is_file(), item["file"]
    files = {item["code"]: item["file"] for item in bad}
    assert (CORPUS / "bad" / files["empty"]).stat().st_size == 0
    assert files["wrong_extension"].endswith(".docx")
    assert (CORPUS / "bad" / files["wrong_extension"]).read_bytes().startswith(b"%PDF")
    assert files["unsupported_type"].endswith(".doc")


def test_generator_reproduces_the_corpus(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    assert load(tmp_path / "expected.json") == load(CORPUS / "expected.json")
    assert load(tmp_path / "bad" / "bad.json") == load(CORPUS / "bad" / "bad.json")
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(CORPUS) for p in CORPUS.rglob("*") if p.is_file())
    assert generated == committed
    for path in generated:
        if path.suffix == ".txt":  # plain text is byte-for-byte; PDF and DOCX are not compared
            assert (tmp_path / path).read_bytes() == (CORPUS / path).read_bytes(), path
