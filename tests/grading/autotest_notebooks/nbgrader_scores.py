"""Grade the AUTOTEST corpus with nbgrader itself, to get the scores that
tests/grading/test_autotest.py compares hirebench's with.

Runs in a throwaway environment that has nbgrader (never in hirebench's venv):

    python3 -m venv /tmp/nbg-D
    /tmp/nbg-D/bin/pip install 'nbgrader==0.9.*' 'numpy==1.24.*' 'pandas==1.5.3'
    PATH=/tmp/nbg-D/bin:$PATH /tmp/nbg-D/bin/python \
        tests/grading/autotest_notebooks/nbgrader_scores.py [FOLDER ...]

(every grader folder, or only those named).

For each grader folder it makes a course in a temporary directory, runs
`nbgrader generate_assignment` (with nbgrader's own default autotests.yml at the course root,
as its user guide has it, unless the folder brings its own), writes the submissions (the
release notebook with the answer cells filled in: "correct" from the grader's solutions,
"wrong" from WRONG below, "blank" as released) to submissions/, runs `nbgrader autograde`
and prints every submission's score per test cell as JSON.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import nbgrader
from nbgrader.api import Gradebook

HERE = Path(__file__).resolve().parent
GRADERS = {"values": "values.ipynb", "custom": "rounding.ipynb", "dispatch": "shifts.ipynb"}
NBGRADER_DEFAULTS = Path(nbgrader.__file__).parent / "docs/source/user_guide/autotests.yml"

WRONG = {
    "values": {
        "scalars": "responses = 42.0\nfinished_share = 0.667\nclosed = 1",
        "text": 'owner = "ada lovelace"\ninitials = "".join(word[0] for word in owner.split())',
        "collections": 'scores = [11, 7, 5, 3, 2]\nages = {"bo": 27, "ann": 31}',
        "arrays": "grid = np.arange(6).reshape(2, 3)\ncolumn_means = grid.sum(axis=0) / 2",
        "function": "def mean_length(words):\n"
        "    return sum(len(word) for word in words) // len(words)",
    },
    "custom": {
        "speed": "mean_speed = 3.1416\ntrip_ids = [1, 3, 4]",
        "sample": "sample_mean = sum(SAMPLE) / (len(SAMPLE) + 1)",
    },
    # Span's ends and repr are right but it counts hours inclusively; running_max is right in
    # its own way; `late` keeps 11.0.
    "dispatch": {
        "span": "class Span:\n"
        "    def __init__(self, start, end):\n"
        "        self.lo, self.hi = min(start, end), max(start, end)\n\n"
        "    def length(self):\n"
        "        return self.hi - self.lo + 1\n\n"
        "    def __repr__(self):\n"
        '        return f"Span({self.lo}, {self.hi})"',
        "running_max": "from itertools import accumulate\n\n"
        "def running_max(values):\n    yield from accumulate(values, max)",
        "summary": "longest = max((Span(a, b) for a, b in zip(HOURS, HOURS[1:])), "
        "key=Span.length)\nlate = sorted(hour for hour in HOURS if hour >= 11)",
    },
}


def solution_of(source: str) -> str:
    return "\n".join(
        line
        for line in source.split("\n")
        if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
    )


def python_kernel(root: Path) -> None:
    """A kernelspec named `python` (nbgrader's fixture and the custom grader name it)."""
    spec = root / "kernels" / "python"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python", "language": "python"})
    )


def submissions(folder: str, source: Path, release: Path) -> dict[str, nbformat.NotebookNode]:
    grader = nbformat.read(source, as_version=4)
    answers = {
        cell.metadata["nbgrader"]["grade_id"]: solution_of(cell.source)
        for cell in grader.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }
    released = nbformat.read(release, as_version=4)
    out = {"blank": released}
    for variant, table in (("correct", answers), ("wrong", WRONG[folder])):
        notebook = copy.deepcopy(released)
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in table:
                cell.source = table[grade_id]
        out[variant] = notebook
    return out


def grade(folder: str, notebook: str, course: Path, env: dict[str, str]) -> dict[str, object]:
    shutil.copytree(HERE / folder, course / "source" / folder)
    shutil.copy(NBGRADER_DEFAULTS, course / "autotests.yml")

    def nbgrader_app(*args: str) -> None:
        subprocess.run(["nbgrader", *args], cwd=course, env=env, check=True, capture_output=True)

    nbgrader_app("generate_assignment", folder, "--force")
    source, release = (course / part / folder / notebook for part in ("source", "release"))
    made = submissions(folder, source, release)
    for variant, nb in made.items():
        nbformat.write(nb, HERE / "submissions" / f"{folder}-{variant}.ipynb")
        target = course / "submitted" / variant / folder
        target.mkdir(parents=True)
        nbformat.write(nb, target / notebook)
    nbgrader_app("autograde", folder, "--create", "--force")
    scores: dict[str, object] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for variant in made:
            sub = gb.find_submission_notebook(Path(notebook).stem, folder, variant)
            tests = {g.name: g.score for g in sub.grades if g.cell_type == "code"}
            scores[variant] = {"total": sub.score, "tests": dict(sorted(tests.items()))}
    return scores


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        jupyter = Path(tmp) / "jupyter"
        python_kernel(jupyter)
        env = {**os.environ, "JUPYTER_PATH": str(jupyter)}
        for folder in sys.argv[1:] or list(GRADERS):
            notebook = GRADERS[folder]
            course = Path(tmp) / folder
            course.mkdir()
            (course / "nbgrader_config.py").write_text(
                "c = get_config()\nc.CourseDirectory.course_id = 'autotest'\n"
            )
            results[folder] = grade(folder, notebook, course, env)
    print(json.dumps(results, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
