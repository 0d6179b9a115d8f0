"""compare() end to end: loaders, bad input, template and starter code, notebooks, the JSON."""

from __future__ import annotations

import io
import json
import random
import time
import tokenize

import nbformat

from hirebench.integrity import (
    MAX_BYTES,
    Problem,
    Submission,
    compare,
    from_notebook,
    from_python,
    from_text,
)

STARTER = '''\
import pandas as pd


def load(path):
    """Given: read the orders file."""
    frame = pd.read_csv(path, parse_dates=["created"])
    frame = frame.dropna(subset=["order_id", "amount"])
    frame["amount"] = frame["amount"].astype(float).round(2)
    return frame.sort_values("created").reset_index(drop=True)


def monthly_revenue(frame):
    # TODO: your code here
    raise NotImplementedError
'''

SOLUTIONS = {
    "ana": """
    months = frame["created"].dt.to_period("M")
    totals = frame.groupby(months)["amount"].sum()
    return totals.rename("revenue").reset_index()
""",
    "bo": """
    out = {}
    for _, row in frame.iterrows():
        key = (row["created"].year, row["created"].month)
        out[key] = out.get(key, 0.0) + row["amount"]
    return pd.DataFrame(
        [(f"{y}-{m:02d}", v) for (y, m), v in sorted(out.items())],
        columns=["created", "revenue"],
    )
""",
    "cy": """
    frame = frame.set_index("created")
    result = frame["amount"].resample("MS").sum()
    result.index = result.index.to_period("M")
    return result.to_frame("revenue").reset_index()
""",
}


def _with_starter(body: str) -> str:
    return STARTER.replace("    # TODO: your code here\n    raise NotImplementedError\n", body)


def test_starter_code_is_subtracted() -> None:
    subs = [from_python(name, _with_starter(body).encode()) for name, body in SOLUTIONS.items()]
    unaware = compare(subs, kind="code")
    aware = compare(subs, kind="code", starter=[STARTER])
    assert max(p.score for p in unaware.pairs) > 0.3
    # what is left is a k-gram or two where the given code meets the candidate's
    assert all(p.score < 0.15 and not p.fragments for p in aware.pairs)
    assert not any(p.flagged for p in aware.pairs)


def test_imports_every_submission_shares_are_dropped() -> None:
    subs = [from_python(name, _with_starter(body).encode()) for name, body in SOLUTIONS.items()]
    assert compare(subs, kind="code").parameters["shared_imports"] == ["import pandas as pd"]


def _notebook(*cells: str) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("Explain your approach."))
    return nbformat.writes(nb).encode()


SETUP = "import numpy as np\nDATA = np.arange(12)\n"
TEST = "assert answer(DATA) == 66\n"


def test_notebooks_compare_candidate_cells_only() -> None:
    copied = (
        "def answer(values):\n    total = 0\n    for v in values:\n"
        "        if v % 3 != 1:\n            total += v * 2 - 1\n"
        "        elif v > 4:\n            total -= len(str(v))\n    return total\n"
    )
    first = from_notebook("first", _notebook(SETUP, copied, TEST), {SETUP, TEST})
    assert isinstance(first, Submission)
    assert "DATA = np.arange" not in first.text and "assert answer" not in first.text
    assert first.text.startswith("# %% cell 2\n")
    second = from_python("second", copied.replace("values", "xs").encode())
    other = from_python("other", b"def answer(xs):\n    return sum(xs)\n")
    result = compare([first, second, other], kind="code")
    pair = result.pair("first", "second")
    assert pair is not None and pair.flagged
    assert pair.fragments[0].a_lines[0] == 2  # line 1 is the cell marker
    only_grader = from_notebook("x", _notebook(SETUP, TEST), {SETUP, TEST})
    assert isinstance(only_grader, Problem)
    assert only_grader.reason == "empty submission: no candidate code cells"


def test_bad_input_is_a_problem_each_and_never_stops_the_batch() -> None:
    good = _with_starter(SOLUTIONS["ana"])
    broken = good + "\ndef tail(:\n    s = '''never closed\n"
    huge = (good + ("# " + "padding " * 12 + "\n") * (10 * MAX_BYTES // 99)).encode()
    subs = [
        from_python("good", good.encode()),
        from_python("broken", broken.encode()),
        from_python("empty", b"  \n\n"),
        from_python("comments", b"# only a comment\n'''and a docstring'''\n"),
        from_notebook("notjson", b'{"cells": [', set()),
        from_notebook("notebook", b'{"metadata": {}}', set()),
        from_python("huge", huge),
        from_python("latin1", good.encode() + b"\n# caf\xe9\n"),
        from_python("good", b"x = 1\n"),
    ]
    result = compare(subs, kind="code")
    reasons = {(p.submission, p.reason.split(" (")[0].split(";")[0]) for p in result.problems}
    assert reasons == {
        ("broken", "does not tokenize as Python"),
        ("empty", "empty submission"),
        ("comments", "empty submission: 0 tokens after dropping comments and docstrings, "
                     "fewer than 8"),
        ("notjson", "notebook is not valid JSON"),
        ("notebook", "not a Jupyter notebook"),
        ("huge", "file is 10.0 MB"),
        ("latin1", "not valid UTF-8"),
        ("good", "a second submission with this id"),
    }  # fmt: skip
    compared = {p.submission for p in result.problems if p.compared}
    assert compared == {"broken", "huge", "latin1"}
    # the batch went on: the good, broken, huge and latin-1 files are all one copied group
    assert result.clusters == [["broken", "good", "huge", "latin1"]]


def test_one_submission_is_a_clear_message_and_no_pairs() -> None:
    result = compare([from_python("solo", b"def f(x):\n    return x * 2 + 1\n")], kind="code")
    assert result.pairs == [] and result.distribution == []
    assert [(p.submission, p.reason) for p in result.problems] == [
        ("solo", "the only submission that could be compared; no pairs")
    ]
    nothing = compare([from_text("blank", b"")], kind="text")
    assert [(p.submission, p.compared) for p in nothing.problems] == [
        ("blank", False),
        (None, False),
    ]
    assert "no two submissions to compare" in nothing.problems[1].reason


def _program(rng: random.Random, number: int) -> str:
    """A plausible, varied 100-line module: functions built from a pool of statements."""
    pool = [
        "    {a} = [{b} * 2 for {b} in {c} if {b} > {n}]",
        "    {a} = sum({c}) / max(1, len({c}))",
        "    for {b} in range({n}):\n        {a}.append({b} ** 2 - {n})",
        "    if {a} and {c}:\n        {a} = sorted({a}, reverse=True)[:{n}]",
        "    {a} = {{k: v for k, v in enumerate({c})}}",
        "    while {a} > {n}:\n        {a} //= 2",
        "    {a} = '{b}'.join(str(x) for x in {c})",
        "    try:\n        {a} = {c}[{n}]\n    except IndexError:\n        {a} = None",
    ]
    lines = []
    for f in range(9):
        lines.append(f"def f{number}_{f}(p, q):")
        lines.append("    r = []")
        for _ in range(rng.randint(4, 6)):
            names = dict(a=rng.choice("pqr"), b=rng.choice("xyz"), c=rng.choice("pqr"))
            lines.append(rng.choice(pool).format(n=rng.randint(0, 9), **names))
        lines.append("    return r\n")
    return "\n".join(lines)


def test_five_hundred_submissions_of_about_a_hundred_lines_take_seconds() -> None:
    rng = random.Random(5)
    sources = [_program(rng, i) for i in range(450)]
    sources += [sources[i].replace("p, q", "a, b") for i in range(50)]  # 50 copies
    subs = [from_python(f"s{i:03d}", s.encode()) for i, s in enumerate(sources)]
    assert 90 <= sources[0].count("\n") <= 130
    start = time.perf_counter()
    for source in sources:
        list(tokenize.generate_tokens(io.StringIO(source).readline))
    reading = time.perf_counter() - start
    start = time.perf_counter()
    result = compare(subs, kind="code")
    elapsed = time.perf_counter() - start
    # About 2 s on this 2-core machine when it is quiet, most of it Python's tokenize; the
    # bound is relative to tokenize's own time, measured here, as other work shares the cores.
    assert elapsed < 3 * reading + 1.0, (elapsed, reading)
    assert len(result.distribution) == 500 * 499 // 2
    flagged = {frozenset((p.a, p.b)) for p in result.pairs if p.flagged}
    assert {frozenset((f"s{i:03d}", f"s{450 + i:03d}")) for i in range(50)} <= flagged


def test_the_json_is_the_documented_shape_sorted_with_the_top_pairs() -> None:
    rng = random.Random(9)
    sources = [_program(rng, i) for i in range(12)]
    sources.append(sources[0].replace("p, q", "u, v"))
    result = compare([from_python(f"s{i:02d}", s.encode()) for i, s in enumerate(sources)],
                     kind="code")  # fmt: skip
    data = json.loads(json.dumps(result.to_json()))
    assert set(data) == {"threshold", "pairs", "clusters", "problems"}
    assert len(data["pairs"]) == 20
    scores = [p["score"] for p in data["pairs"]]
    assert scores == sorted(scores, reverse=True)
    first = data["pairs"][0]
    assert set(first) == {"a", "b", "score", "flagged", "fragments"}
    assert {first["a"], first["b"]} == {"s00", "s12"} and first["flagged"]
    assert first["fragments"] and set(first["fragments"][0]) == {"a_lines", "b_lines"}
    assert all(0 <= p["score"] <= 1 for p in data["pairs"])
    assert result.fragments_of is not None
    assert result.fragments_of("s00", "s12") == result.pairs[0].fragments
