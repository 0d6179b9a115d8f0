"""hirebench grades nbgrader assignments exactly as nbgrader grades them (issue 13).

The corpus (tests/grading/compat/corpus/, written by compat/make_corpus.py) holds nbgrader
source notebooks in the styles of real courses. Each is graded twice through hirebench's real
pipeline and a real Docker sandbox: with its correct solution (the source notebook itself, as
nbgrader's own tests do) and with its blank release (what `nbgrader generate_assignment`
made, stored in compat/releases/). Every test must earn the points nbgrader gave it, as stored
in compat/nbgrader_scores.json by compat/nbgrader_reference.py.

nbgrader itself runs here too, from the throwaway environment that .ci/nbgrader-env.sh builds
(HIREBENCH_NBGRADER_PYTHON): on nbgrader's own fixture notebook, read from that installed
package, and on the whole corpus, to prove the stored scores and releases are still nbgrader's.
Without that environment these skip locally and fail under CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hirebench.grading.formats import GraderError, load_grader
from hirebench.grading.pipeline import PooledSandboxes, Submission, grade
from hirebench.grading.result import GradeResult
from tests.conftest import require_service, sandbox_containers

COMPAT = Path(__file__).with_name("compat")
CORPUS = COMPAT / "corpus"
RELEASES = COMPAT / "releases"
REFERENCE = COMPAT / "nbgrader_reference.py"
STORED = json.loads((COMPAT / "nbgrader_scores.json").read_text(encoding="utf-8"))
FIXTURE = "nbgrader_fixture"
VARIANTS = ("solution", "release")
# nbgrader grades the whole corpus and its fixture in 65-140 s here (2 cores), so all of it is
# re-measured live; the module's first live test pays for it.
LIVE_TIMEOUT = 900


def corpus_names() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if (p / f"{p.name}.ipynb").is_file())


def record(scores: dict[str, Any], notebook: str, variant: str) -> dict[str, Any]:
    (found,) = [r for r in scores["scores"] if (r["notebook"], r["variant"]) == (notebook, variant)]
    return found


def stored(notebook: str, variant: str) -> dict[str, Any]:
    return record(STORED, notebook, variant)


# ---------------------------------------------------------------- hirebench's side


@pytest.fixture(scope="module")
def sandboxes(docker_engine: object) -> Iterator[PooledSandboxes]:
    provider = PooledSandboxes(pool_size=2)
    yield provider
    provider.close()
    assert sandbox_containers() == [], "sandboxes left behind"


def hirebench_grade(sandboxes: PooledSandboxes, grader: Path, submission: Path) -> GradeResult:
    try:
        spec = load_grader(grader)
    except GraderError as exc:
        pytest.fail(f"hirebench refuses nbgrader's source notebook {grader.name}: {exc}")
    return grade(spec, Submission(submission.read_bytes(), submission.name), sandboxes)


def staff_message(test: Any) -> str:
    """The judge's own message when the result keeps one for staff (issue 13 cause 10)."""
    staff = getattr(test, "staff", None)
    return str(getattr(staff, "message", "") or test.message)


def assert_graded_like_nbgrader(result: GradeResult, expected: dict[str, Any]) -> None:
    got = {t.id: t.points for t in result.tests}
    want = {name: test["points"] for name, test in expected["tests"].items()}
    if got == want and result.max_total == expected["max_score"]:
        return
    rows = [
        f"{expected['notebook']} ({expected['variant']}): nbgrader {expected['score']:g}/"
        f"{expected['max_score']:g}, hirebench {result.total:g}/{result.max_total:g}"
    ]
    by_id = {t.id: t for t in result.tests}
    for name in sorted(set(got) | set(want)):
        test = by_id.get(name)
        said = staff_message(test) if test is not None else "not graded by hirebench"
        rows.append(
            f"  {name}: nbgrader {want.get(name, 'no such test')}, hirebench "
            f"{got.get(name, '-')} {test.status.value if test else ''}: {said[:300]}"
        )
    if result.message:
        rows.append(f"  result message: {result.message[:500]}")
    pytest.fail("\n".join(rows))


def submission_for(name: str, variant: str) -> Path:
    if variant == "solution":
        return CORPUS / name / f"{name}.ipynb"
    return RELEASES / f"{name}.ipynb"


@pytest.mark.docker
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", corpus_names())
def test_corpus_grades_as_nbgrader_does(
    sandboxes: PooledSandboxes, name: str, variant: str
) -> None:
    grader = CORPUS / name / f"{name}.ipynb"
    result = hirebench_grade(sandboxes, grader, submission_for(name, variant))
    assert_graded_like_nbgrader(result, stored(name, variant))


# ---------------------------------------------------------------- the corpus itself


def test_stored_scores_cover_the_corpus_and_say_how_they_were_made() -> None:
    measured = {(r["notebook"], r["variant"]) for r in STORED["scores"]}
    assert measured >= {(n, v) for n in corpus_names() for v in VARIANTS}
    assert STORED["versions"]["nbgrader"] == "0.9.6"
    assert "nbgrader_reference.py" in STORED["command"]
    for name in corpus_names():
        assert (RELEASES / f"{name}.ipynb").is_file(), f"no stored release for {name}"
        solution, release = stored(name, "solution"), stored(name, "release")
        # A corpus notebook is only useful if nbgrader tells its correct and blank answers apart.
        assert solution["score"] == solution["max_score"] > 0, name
        assert release["score"] < release["max_score"], name
        assert 2 <= len(solution["tests"]) <= 5, name


@pytest.mark.parametrize("name", corpus_names())
def test_corpus_notebooks_are_nbgrader_sources(name: str) -> None:
    notebook = json.loads((CORPUS / name / f"{name}.ipynb").read_text(encoding="utf-8"))
    flags = [c["metadata"].get("nbgrader", {}) for c in notebook["cells"]]
    assert any(f.get("solution") for f in flags) and any(f.get("grade") for f in flags)
    assert notebook["metadata"]["kernelspec"]["language"] == "python"


# ---------------------------------------------------------------- nbgrader's side, live


def nbgrader_python() -> str:
    python = os.environ.get("HIREBENCH_NBGRADER_PYTHON", "")
    if not python:
        require_service("nbgrader", "HIREBENCH_NBGRADER_PYTHON is not set (.ci/nbgrader-env.sh)")
    if not Path(python).is_file():
        require_service("nbgrader", f"HIREBENCH_NBGRADER_PYTHON={python} does not exist")
    return python


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """nbgrader's scores measured now, for its fixture and the whole corpus."""
    python = nbgrader_python()
    out = tmp_path_factory.mktemp("nbgrader")
    command = [python, str(REFERENCE), "--fixture", "--releases", str(out / "releases")]
    command += ["--out", str(out / "scores.json")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=LIVE_TIMEOUT - 60)
    assert done.returncode == 0, f"nbgrader_reference.py failed:\n{done.stderr[-3000:]}"
    measured = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    return {**measured, "releases": out / "releases"}


def by_test(record: dict[str, Any]) -> dict[str, tuple[float, float]]:
    return {k: (v["points"], v["max_points"]) for k, v in record["tests"].items()}


@pytest.mark.timeout(LIVE_TIMEOUT)
def test_stored_scores_are_what_nbgrader_gives_now(live: dict[str, Any]) -> None:
    for name in corpus_names():
        for variant in VARIANTS:
            now = record(live, name, variant)
            assert by_test(now) == by_test(stored(name, variant)), (name, variant)
        made = json.loads((live["releases"] / f"{name}.ipynb").read_text(encoding="utf-8"))
        kept = json.loads((RELEASES / f"{name}.ipynb").read_text(encoding="utf-8"))
        assert made == kept, f"nbgrader now makes another release of {name}"


@pytest.mark.docker
@pytest.mark.timeout(LIVE_TIMEOUT)
@pytest.mark.parametrize("variant", VARIANTS)
def test_nbgrader_fixture_grades_as_nbgrader_does(
    live: dict[str, Any], sandboxes: PooledSandboxes, variant: str, tmp_path: Path
) -> None:
    # Graded from a folder of its own: the package's folder holds nbgrader's other fixtures,
    # which a grader on disk would ship as its data files. The file stays out of the repo.
    fixture = tmp_path / FIXTURE / "test.ipynb"
    fixture.parent.mkdir()
    shutil.copy(live["fixture"], fixture)
    submission = fixture if variant == "solution" else live["releases"] / f"{FIXTURE}.ipynb"
    expected = record(live, FIXTURE, variant)
    assert_graded_like_nbgrader(hirebench_grade(sandboxes, fixture, submission), expected)
