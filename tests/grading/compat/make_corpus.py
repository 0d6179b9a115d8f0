"""Writes the compatibility corpus: nbgrader source notebooks in the styles real courses use
(issue 13). The notebooks under corpus/ are generated here so that a reviewer reads cells, not
JSON, and so that the styles stay deliberate: which nbformat minor, which kernel name, whether
outputs are saved. The data files and autotests.yml live beside their notebooks and are
written by hand.

Run it with the nbgrader environment's Python (it needs nbformat, nbclient, ipykernel and
matplotlib: the outputs notebook is executed so that it is saved with real outputs):

    /path/to/nbgrader-venv/bin/python tests/grading/compat/make_corpus.py

Then re-run nbgrader_reference.py and store its scores (README.md)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
from pathlib import Path
from typing import Any

from corpus_cells import NOTEBOOKS, Cell

CORPUS = Path(__file__).resolve().parent / "corpus"
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}


def lines(text: str) -> list[str]:
    """Sources as Jupyter stores them on disk: a list of lines, each but the last with its
    newline."""
    text = text.strip("\n")
    parts = text.split("\n")
    return [line + "\n" for line in parts[:-1]] + [parts[-1]]


def nbgrader_meta(cell: Cell) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": cell.kind == "test",
        "grade_id": cell.grade_id,
        "locked": cell.kind in ("locked", "test"),
        "schema_version": 3,
        "solution": cell.kind == "solution",
        "task": False,
    }
    if cell.kind == "test":
        meta["points"] = cell.points
    return meta


def cell_json(cell: Cell, index: int, name: str, with_ids: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"cell_type": cell.cell_type, "metadata": {}, "source": lines(cell.text)}
    if with_ids:
        out["id"] = hashlib.sha256(f"{name}:{index}".encode()).hexdigest()[:8]
    if cell.kind != "plain":
        out["metadata"]["nbgrader"] = nbgrader_meta(cell)
        if cell.kind in ("locked", "test"):
            out["metadata"].update(deletable=False, editable=False)
    if cell.cell_type == "code":
        out.update(execution_count=None, outputs=[])
    if cell.attachment:
        out["attachments"] = {cell.attachment: {"image/png": attachment_png()}}
    return out


def attachment_png() -> str:
    """A small diagram of the survey's flow, drawn rather than shipped as a binary file."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 1.4), dpi=80)
    steps = ["invite", "consent", "questions", "satisfaction", "thank you"]
    for i, step in enumerate(steps):
        ax.text(i * 1.2, 0, step, ha="center", va="center", bbox={"boxstyle": "round"})
        if i:
            ax.annotate(
                "",
                xy=(i * 1.2 - 0.45, 0),
                xytext=(i * 1.2 - 0.75, 0),
                arrowprops={"arrowstyle": "->"},
            )
    ax.set_xlim(-0.6, 5.4)
    ax.axis("off")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def notebook_json(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    minor = spec["minor"]
    with_ids = minor >= 5
    cells = [cell_json(c, i, name, with_ids) for i, c in enumerate(spec["cells"])]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": spec["kernelspec"],
            "language_info": {**LANGUAGE_INFO, "version": spec["python"]},
        },
        "nbformat": 4,
        "nbformat_minor": minor,
    }


def execute_in_place(path: Path) -> None:
    """Run the notebook and save it with its outputs, as an instructor's source often is."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    path.write_text(dump(json.loads(nbformat.writes(notebook))), encoding="utf-8")


def dump(notebook: dict[str, Any]) -> str:
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    import nbformat

    for name, spec in NOTEBOOKS.items():
        folder = CORPUS / name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.ipynb"
        notebook = notebook_json(name, spec)
        nbformat.validate(nbformat.from_dict(notebook))
        path.write_text(dump(notebook), encoding="utf-8")
        if spec.get("save_outputs"):
            execute_in_place(path)
        print(f"{path.relative_to(CORPUS.parent)}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
