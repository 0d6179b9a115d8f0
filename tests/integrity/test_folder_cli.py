"""`hirebench integrity similarity --dir DIR` on folders, as teams use MOSS and copydetect."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from click.testing import CliRunner, Result

from hirebench.integrity.cli import integrity_group

CORPUS = Path(__file__).resolve().parents[2] / "bench" / "similarity_corpus"

SOLUTION = """\
def median_of(values):
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        raise ValueError("no values")
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def spread(values):
    ordered = sorted(v for v in values if v is not None)
    return ordered[-1] - ordered[0] if ordered else 0
"""

HONEST = [
    "import statistics\n\ndef median_of(values):\n    return statistics.median(values)\n",
    "def median_of(xs):\n    xs = list(xs)\n    xs.sort()\n    n = len(xs)\n"
    "    return xs[n // 2] if n & 1 else sum(xs[n // 2 - 1 : n // 2 + 1]) / 2\n",
    "import numpy as np\n\ndef median_of(values):\n"
    "    return float(np.median(np.asarray(values)))\n",
]


def _run(*args: str) -> Result:
    return CliRunner().invoke(integrity_group, ["similarity", *args])


def _notebook(*cells: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    return nbformat.writes(nb)


def test_a_folder_of_py_and_ipynb_files_as_json(tmp_path: Path) -> None:
    for number, source in enumerate(HONEST):
        (tmp_path / f"honest{number}.py").write_text(source)
    (tmp_path / "ana.py").write_text(SOLUTION)
    (tmp_path / "bo.ipynb").write_text(_notebook(SOLUTION.replace("values", "data")))
    (tmp_path / "notes.txt").write_text("not code")
    result = _run("--dir", str(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"threshold", "pairs", "clusters", "problems"}
    top = data["pairs"][0]
    assert {top["a"], top["b"]} == {"ana", "bo"} and top["flagged"]
    assert len(data["pairs"]) == 10  # every pair of five, fewer than 20
    assert not data["problems"]


def test_a_template_notebook_is_left_out_and_subtracted(tmp_path: Path) -> None:
    given = (
        "import math\n\ndef check(f):\n    assert f([3, 1, 2]) == 2\n    assert f([4, 1]) == 2.5\n"
    )
    template = tmp_path.parent / "template.ipynb"
    template.write_text(_notebook(given, "# your code here\n"))
    for name in ("ana", "bo", "cy", "dee"):
        body = HONEST[0] if name != "ana" else SOLUTION
        (tmp_path / f"{name}.ipynb").write_text(_notebook(given, body))
    result = _run("--dir", str(tmp_path), "--template", str(template), "--json")
    data = json.loads(result.output)
    # the given cell is in every notebook, but not counted; bo, cy and dee wrote the same
    # one-liner, too short to be evidence
    assert not [p for p in data["pairs"] if p["flagged"]]
    assert all(p["score"] < 0.3 for p in data["pairs"] if "ana" in (p["a"], p["b"]))


def test_every_bad_file_is_reported_and_the_rest_compared(tmp_path: Path) -> None:
    (tmp_path / "ana.py").write_text(SOLUTION)
    (tmp_path / "bo.py").write_text(SOLUTION.replace("ordered", "srt"))
    (tmp_path / "empty.py").write_text("")
    (tmp_path / "broken.py").write_text(SOLUTION + "\ndef oops(:\n    '''open\n")
    (tmp_path / "notjson.ipynb").write_text("{ this is not json")
    with (tmp_path / "huge.py").open("w") as handle:
        handle.write(SOLUTION)
        handle.write(("# " + "filler " * 14 + "\n") * 100_000)
    result = _run("--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "problem: empty: empty submission" in out
    assert "problem: broken: does not tokenize as Python" in out
    assert "problem: notjson: notebook is not valid JSON" in out
    assert "problem: huge: file is 10.1 MB; only the first 1.0 MB was read" in out
    flagged = [line.split()[2:4] for line in out.splitlines() if line.startswith("FLAG")]
    assert ["ana", "bo"] in flagged and ["ana", "broken"] in flagged
    assert "cluster of 4: ana, bo, broken, huge" in out


def test_a_folder_with_one_file(tmp_path: Path) -> None:
    (tmp_path / "only.py").write_text(SOLUTION)
    result = _run("--dir", str(tmp_path), "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["pairs"] == []
    assert data["problems"] == [
        {
            "submission": "only",
            "reason": "the only submission that could be compared; no pairs",
            "compared": True,
        }
    ]


def test_an_empty_folder_and_a_missing_one(tmp_path: Path) -> None:
    result = _run("--dir", str(tmp_path), "--json")
    assert json.loads(result.output)["problems"][0]["submission"] is None
    assert _run("--dir", str(tmp_path / "nope")).exit_code == 2
    assert "--dir" in _run().output


def test_text_folders_of_the_corpus_find_the_copies() -> None:
    result = _run("--dir", str(CORPUS / "text" / "agreement_zh"), "--kind", "text", "--json")
    data = json.loads(result.output)
    flagged = {frozenset((p["a"], p["b"])) for p in data["pairs"] if p["flagged"]}
    truth = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))
    groups = truth["text/agreement_zh"]["groups"]
    expected = {frozenset((g[0], other)) for g in groups for other in g[1:]}
    assert expected <= flagged
    assert ["c01", "c02", "h02"] in data["clusters"]
