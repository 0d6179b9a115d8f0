"""nbgrader's own scores for the compatibility corpus, measured with nbgrader's real pipeline.

Run it with the Python of a throwaway environment that has nbgrader installed (never the
project's venv: nbgrader pins its own Jupyter stack). For each notebook it builds a course in
a temporary directory, exactly as an instructor would:

    source/<name>/<name>.ipynb (+ its folder's data files)
        -> nbgrader generate_assignment <name>      (the blank release)
        -> submitted/solution/<name>/<name>.ipynb   (the source notebook: the correct answer)
           submitted/release/<name>/<name>.ipynb    (the release, unanswered)
        -> nbgrader autograde <name>
        -> the gradebook: each grade cell's score

and prints one JSON document (the format of nbgrader_scores.json, see README.md). It imports
nothing from hirebench, which is not installed where it runs.

    /path/to/nbgrader-venv/bin/python tests/grading/compat/nbgrader_reference.py \
        [--only NAME ...] [--fixture] [--releases DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
FIXTURE = "nbgrader_fixture"
STUDENTS = ("solution", "release")
# The libraries the corpus imports: their versions explain any difference in scores.
LIBRARIES = ("nbgrader", "nbconvert", "nbclient", "ipykernel", "nose", "numpy", "pandas")
LIBRARIES += ("matplotlib", "scipy", "scikit-learn")
CONFIG = """\
c = get_config()
c.CourseDirectory.root = {root!r}
"""  # nothing else: nbgrader's defaults (a cell may run for 30 s) are what courses grade with


def corpus_names() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if (p / f"{p.name}.ipynb").is_file())


def fixture_path() -> Path:
    """nbgrader's own test notebook, read from the installed package, never copied elsewhere."""
    import nbgrader  # the environment this script runs in, not the project's

    return Path(nbgrader.__file__).parent / "tests" / "apps" / "files" / "test.ipynb"


def install_kernelspecs(course: Path, notebooks: list[Path]) -> dict[str, str]:
    """A kernelspec for every kernel name the notebooks use (`python`, course kernels), all
    running this interpreter, so nbgrader executes each notebook with the kernel it names.
    They live in the course directory; nothing is installed into the environment."""
    kernels = course / "jupyter" / "kernels"
    names = set()
    for path in notebooks:
        spec = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("kernelspec", {})
        names.add(spec.get("name", "python3"))
    for name in sorted(names):
        (kernels / name).mkdir(parents=True, exist_ok=True)
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": name,
            "language": "python",
        }
        (kernels / name / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    env = dict(os.environ)
    env["JUPYTER_PATH"] = str(course / "jupyter")
    # nbgrader runs `alembic` and `jupyter` from PATH: they must be this environment's.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    # Plots render off-screen, as they would on a grading server.
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env.pop("JUPYTER_CONFIG_DIR", None)
    return env


def nbgrader(course: Path, env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "-m", "nbgrader", *args, "--log-level=WARN"]
    done = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")


def build_course(course: Path, names: list[str], with_fixture: bool) -> list[Path]:
    (course / "nbgrader_config.py").write_text(CONFIG.format(root=str(course)), encoding="utf-8")
    sources = []
    for name in names:
        target = course / "source" / name
        shutil.copytree(CORPUS / name, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        sources.append(target / f"{name}.ipynb")
    if with_fixture:
        target = course / "source" / FIXTURE
        target.mkdir(parents=True)
        shutil.copy(fixture_path(), target / "test.ipynb")
        sources.append(target / "test.ipynb")
    return sources


def submit(course: Path, source: Path) -> None:
    """The source notebook is the correct answer; the unanswered release is the blank one."""
    assignment = source.parent.name
    release = course / "release" / assignment / source.name
    for student, notebook in zip(STUDENTS, (source, release), strict=True):
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(notebook, folder / source.name)


def first_error(cell: dict[str, Any]) -> str:
    """What made a test cell lose its points, as nbgrader's feedback would show it."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue')}"[:300]
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return f"stderr: {output.get('text', '')}"[:300]
    return ""


def autograded_errors(course: Path, student: str, assignment: str, name: str) -> dict[str, str]:
    path = course / "autograded" / student / assignment / name
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    errors = {}
    for cell in cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            errors[grade_id] = first_error(cell)
    return errors


def read_scores(course: Path, sources: list[Path]) -> list[dict[str, Any]]:
    from nbgrader.api import Gradebook

    records = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for source in sources:
            assignment, notebook = source.parent.name, source.stem
            manual = {c.name for c in gradebook.find_notebook(notebook, assignment).solution_cells}
            for student in STUDENTS:
                submitted = gradebook.find_submission_notebook(notebook, assignment, student)
                errors = autograded_errors(course, student, assignment, source.name)
                records.append(record(assignment, student, submitted.grades, manual, errors))
    return records


def record(
    assignment: str, variant: str, grades: list[Any], manual: set[str], errors: dict[str, str]
) -> dict[str, Any]:
    """Autograded tests are compared; manually graded answers are listed apart, since no
    autograder can score them (nbgrader leaves them for a person unless left blank)."""
    tests, manual_cells = {}, {}
    for grade in sorted(grades, key=lambda g: g.name):
        entry = {"points": grade.score, "max_points": grade.max_score}
        if grade.name in manual:
            manual_cells[grade.name] = {**entry, "needs_manual_grade": grade.needs_manual_grade}
        else:
            tests[grade.name] = {**entry, "error": errors.get(grade.name, "")}
    return {
        "notebook": assignment,
        "variant": variant,
        "score": round(sum(t["points"] for t in tests.values()), 6),
        "max_score": round(sum(t["max_points"] for t in tests.values()), 6),
        "tests": tests,
        "manual": manual_cells,
    }


def copy_releases(course: Path, sources: list[Path], releases: Path) -> None:
    releases.mkdir(parents=True, exist_ok=True)
    for source in sources:
        assignment = source.parent.name
        # nbgrader's fixture, and so its release, stays out of the repository.
        if assignment == FIXTURE and releases.resolve() == (HERE / "releases").resolve():
            continue
        shutil.copy(course / "release" / assignment / source.name, releases / f"{assignment}.ipynb")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def measure(names: list[str], with_fixture: bool, releases: Path | None) -> dict[str, Any]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nbgrader-course-") as tmp:
        course = Path(tmp)
        sources = build_course(course, names, with_fixture)
        env = install_kernelspecs(course, sources)
        for source in sources:
            nbgrader(course, env, "generate_assignment", source.parent.name, "--force")
            submit(course, source)
        for source in sources:
            nbgrader(course, env, "autograde", source.parent.name, "--force")
        if releases is not None:
            copy_releases(course, sources, releases)
        records = read_scores(course, sources)
    return {
        "command": " ".join(["$HIREBENCH_NBGRADER_PYTHON", *sys.argv]),
        "versions": versions(),
        "seconds": round(time.monotonic() - started, 1),
        # Where nbgrader's own fixture was read from: the installed package, never a copy.
        "fixture": str(fixture_path()) if with_fixture else None,
        "scores": records,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="corpus notebooks to grade")
    parser.add_argument("--fixture", action="store_true", help="also nbgrader's test.ipynb")
    parser.add_argument("--no-corpus", action="store_true", help="grade no corpus notebook")
    parser.add_argument("--releases", type=Path, help="copy the blank releases here")
    parser.add_argument("--out", type=Path, help="write the JSON here instead of stdout")
    args = parser.parse_args(argv)
    names = [] if args.no_corpus else (args.only or corpus_names())
    unknown = sorted(set(names) - set(corpus_names()))
    if unknown:
        parser.error(f"not in the corpus: {', '.join(unknown)}")
    result = measure(names, args.fixture, args.releases)
    text = json.dumps(result, indent=1, sort_keys=False) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
