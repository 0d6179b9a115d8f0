"""`hirebench analytics ... --from-csv`: the docs' examples, the output, and every input error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from hirebench.analytics.cli import analytics_group
from hirebench.paths import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "docs" / "examples" / "analytics"


def run(*args: str) -> Result:
    return CliRunner().invoke(analytics_group, list(args))


def run_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def write(tmp_path: Path, text: str, name: str = "in.csv", bom: bool = False) -> str:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return str(path)


def test_docs_validity_example() -> None:
    report = run_json("validity", "--from-csv", str(EXAMPLES / "validity.csv"))
    assert set(report) == {"n_rated", "stages", "weights"}
    assert report["n_rated"] == 40
    assert list(report["stages"]) == ["exam", "portfolio", "interview"]
    for stage in report["stages"].values():
        assert {"n", "r", "ci95", "p", "r_corrected"} <= set(stage)
        assert stage["ci95"][0] < stage["r"] < stage["ci95"][1]
    weights = report["weights"]
    assert {"current", "proposed", "cv_r_current", "cv_r_proposed", "refused"} <= set(weights)
    assert weights["refused"] is None
    assert sum(weights["proposed"].values()) == pytest.approx(100)


def test_docs_validity_example_with_weights_and_as_a_table() -> None:
    path = str(EXAMPLES / "validity.csv")
    report = run_json("validity", "--from-csv", path, "--weights", "exam=50,portfolio=50")
    assert report["weights"]["current"] == {"exam": 50.0, "portfolio": 50.0, "interview": 0.0}
    table = run("validity", "--from-csv", path)
    assert table.exit_code == 0
    assert "40 rated hires" in table.stdout and "cross-validated r" in table.stdout
    assert not table.stdout.lstrip().startswith("{")


def test_docs_adverse_impact_example() -> None:
    report = run_json("adverse-impact", "--from-csv", str(EXAMPLES / "adverse-impact.csv"))
    assert report["min_group"] == 5
    exam = report["stages"]["exam"]
    assert set(exam) == {"groups", "reference", "ratios", "fisher_p", "z", "flag", "suppressed"}
    assert set(exam["groups"]) == {"men", "women"}
    assert exam["suppressed"] == 1 and exam["flag"] is True
    result = run("adverse-impact", "--from-csv", str(EXAMPLES / "adverse-impact.csv"))
    assert "non-binary" not in result.stdout
    assert "FLAG" in result.stdout


def test_docs_items_example() -> None:
    report = run_json("items", "--from-csv", str(EXAMPLES / "items.csv"))
    assert set(report) == {"n", "alpha", "items"}
    assert report["n"] == 40 and 0 < report["alpha"] < 1
    assert report["items"]["q2"]["missing"] == 1
    assert report["items"]["q3"]["options"]["c"]["flag"] is True
    assert "options" not in report["items"]["q4"]
    assert (
        "strong candidates pick it"
        in run("items", "--from-csv", str(EXAMPLES / "items.csv")).stdout
    )


def test_bom_and_blank_lines_are_fine(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "candidate,group,stage,passed\r\n" + "".join(f"c{i},A,exam,1\r\n\r\n" for i in range(5)),
        bom=True,
    )
    assert run_json("adverse-impact", "--from-csv", path)["stages"]["exam"]["groups"]["A"]["n"] == 5


VALIDITY_HEADER = "candidate,exam,interview,hired,performance\n"

ERRORS = [
    # (command, file text, extra args, row, column, words in the message)
    ("validity", "candidate,exam,performance\nc1,50,3\n", [], 1, "hired", "missing column"),
    ("validity", VALIDITY_HEADER + "c1,50,60,1,3\nc2,fifty,60,0,\n", [], 3, "exam", "not a number"),
    ("validity", VALIDITY_HEADER + "c1,50,101,1,3\n", [], 2, "interview", "outside 0..100"),
    ("validity", VALIDITY_HEADER + "c1,-1,60,1,3\n", [], 2, "exam", "outside 0..100"),
    ("validity", VALIDITY_HEADER + "c1,50,60,yes,3\n", [], 2, "hired", "not 0 or 1"),
    ("validity", VALIDITY_HEADER + "c1,50,60,1,3\nc1,55,60,0,\n", [], 3, "candidate", "row 2"),
    ("validity", VALIDITY_HEADER + "c1,50,60,1,good\n", [], 2, "performance", "not a number"),
    ("validity", VALIDITY_HEADER + "c1,50,60,0,3\n", [], 2, "performance", "not hired"),
    (
        "validity",
        VALIDITY_HEADER + "c1,50,60,1,3\n",
        ["--weights", "exam=50,portfolio=50"],
        1,
        "portfolio",
        "--weights",
    ),
    ("adverse-impact", "candidate,group,stage\nc1,A,exam\n", [], 1, "passed", "missing column"),
    (
        "adverse-impact",
        "candidate,group,stage,passed\nc1,A,exam,1\nc2,A,exam,2\n",
        [],
        3,
        "passed",
        "not 0 or 1",
    ),
    (
        "adverse-impact",
        "candidate,group,stage,passed\nc1,A,exam,1\nc1,A,exam,0\n",
        [],
        3,
        "candidate",
        "row 2",
    ),
    (
        "adverse-impact",
        "candidate,group,stage,passed\nc1,A,exam,1\nc1,B,interview,0\n",
        [],
        3,
        "group",
        "row 2",
    ),
    ("items", "candidate,question,score\nc1,q1,1\n", [], 1, "max_score", "missing column"),
    ("items", "candidate,question,score,max_score\nc1,q1,x,1\n", [], 2, "score", "not a number"),
    ("items", "candidate,question,score,max_score\nc1,q1,3,2\n", [], 2, "score", "outside 0..2"),
    (
        "items",
        "candidate,question,score,max_score\nc1,q1,1,1\nc2,q1,1,2\n",
        [],
        3,
        "max_score",
        "row 2",
    ),
    (
        "items",
        "candidate,question,score,max_score\nc1,q1,1,1\nc1,q1,0,1\n",
        [],
        3,
        "candidate",
        "row 2",
    ),
]


@pytest.mark.parametrize(("command", "text", "extra", "row", "column", "words"), ERRORS)
def test_input_errors_name_file_row_and_column(
    tmp_path: Path, command: str, text: str, extra: list[str], row: int, column: str, words: str
) -> None:
    path = write(tmp_path, text)
    result = run(command, "--from-csv", path, *extra, "--json")
    assert result.exit_code != 0
    assert result.stdout == ""  # nothing half-printed for a script to parse
    assert f"{path}: row {row}, column {column!r}" in result.stderr
    assert words in result.stderr


@pytest.mark.parametrize(
    ("weights", "words"),
    [
        ("exam=50,interview=40", "sum to 90, not 100"),
        ("exam=50,interview", "not stage=percent"),
        ("exam=-10,interview=110", "not a percentage"),
        ("exam=50,exam=50", "named twice"),
    ],
)
def test_weight_errors(tmp_path: Path, weights: str, words: str) -> None:
    path = write(tmp_path, VALIDITY_HEADER + "c1,50,60,1,3\n")
    result = run("validity", "--from-csv", path, "--weights", weights, "--json")
    assert result.exit_code != 0 and result.stdout == ""
    assert words in result.stderr


def test_file_level_errors(tmp_path: Path) -> None:
    empty = run("items", "--from-csv", write(tmp_path, ""))
    assert empty.exit_code != 0 and "row 1" in empty.stderr and "no header" in empty.stderr
    header_only = run(
        "items", "--from-csv", write(tmp_path, "candidate,question,score,max_score\n")
    )
    assert "row 2" in header_only.stderr and "no data rows" in header_only.stderr
    ragged = run(
        "adverse-impact", "--from-csv", write(tmp_path, "candidate,group,stage,passed\nc1,A,exam\n")
    )
    assert "row 2" in ragged.stderr and "3 fields, but the header has 4" in ragged.stderr
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("candidate,group,stage,passed\nc1,Gärten,exam,1\n".encode("latin-1"))
    bad = run("adverse-impact", "--from-csv", str(latin1))
    assert bad.exit_code != 0 and "row 2" in bad.stderr and "not UTF-8" in bad.stderr
    no_stage = run(
        "validity", "--from-csv", write(tmp_path, "candidate,hired,performance\nc,1,3\n")
    )
    assert no_stage.exit_code != 0 and "no stage columns" in no_stage.stderr


def test_refusal_is_said_in_words(tmp_path: Path) -> None:
    rows = "".join(f"c{i},{50 + i},{60 - i},1,{3 + (i % 3) / 2}\n" for i in range(12))
    path = write(tmp_path, VALIDITY_HEADER + rows)
    report = run_json("validity", "--from-csv", path)
    assert report["weights"]["proposed"] is None
    assert report["weights"]["refused"].startswith("Only 12 rated hires")
    assert "No weights proposed: Only 12 rated hires" in run("validity", "--from-csv", path).stdout


def test_registered_on_the_hirebench_command(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        args=["analytics", "items", "--from-csv", str(EXAMPLES / "items.csv"), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n"] == 40
