"""What the similarity engine compares: one `Submission` per candidate answer, or a `Problem`
saying why an answer could not be read. The loaders never raise on bad input, so one broken
file never stops a batch (docs/integrity.md, "Bad input")."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import nbformat

Kind = Literal["code", "text"]

#: Bytes read of one submission. A 10 MB paste is either generated or an attack; the first
#: megabyte is plenty to show copying and keeps 500 submissions in memory and in seconds.
MAX_BYTES = 1_000_000

#: The marker put before each candidate cell when a notebook becomes one text. It is a comment,
#: so the normaliser drops it, and the evidence view shows where each cell starts.
CELL_MARKER = "# %% cell {number}"


@dataclass(frozen=True)
class Submission:
    """One answer. `text` is what the line numbers of the fragments refer to; `notes` are
    problems that did not stop the comparison (a capped read, say)."""

    id: str
    text: str
    kind: Kind
    name: str
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Problem:
    """An answer that was not compared, with the reason in words a reviewer can act on."""

    id: str
    name: str
    reason: str


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count:,} bytes"


def _decode(data: bytes, *, cut_at_line: bool, size: int | None) -> tuple[str, list[str]]:
    """The text of at most MAX_BYTES of `data`, and notes on what was capped or replaced.
    `size` is the whole file's size when the caller read only part of it."""
    notes = []
    if len(data) > MAX_BYTES:
        kept = data[:MAX_BYTES]
        if cut_at_line and b"\n" in kept:
            # A cut in the middle of a line can leave an open string that no longer tokenizes.
            kept = kept[: kept.rindex(b"\n") + 1]
        whole = max(size or 0, len(data))
        notes.append(f"file is {_size(whole)}; only the first {_size(len(kept))} was read")
        data = kept
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # The cap may split a character; anything else undecodable is the file's own.
        text = data.decode("utf-8-sig", errors="replace")
        if "\ufffd" in text.rstrip("\ufffd"):
            notes.append("not valid UTF-8; undecodable bytes were replaced")
        text = text.rstrip("\ufffd")
    return text.replace("\r\n", "\n").replace("\r", "\n"), notes


def from_python(
    id: str, data: bytes, *, name: str | None = None, size: int | None = None
) -> Submission | Problem:
    text, notes = _decode(data, cut_at_line=True, size=size)
    if not text.strip():
        return Problem(id, name or id, "empty submission")
    return Submission(id, text, "code", name or id, tuple(notes))


def from_text(
    id: str, data: bytes, *, name: str | None = None, size: int | None = None
) -> Submission | Problem:
    text, notes = _decode(data, cut_at_line=True, size=size)
    if not text.strip():
        return Problem(id, name or id, "empty submission")
    return Submission(id, text, "text", name or id, tuple(notes))


def _cell_key(source: str) -> str:
    """Cells are matched to the grader's ignoring trailing spaces and blank lines, which
    editors and nbformat versions change."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def notebook_code_cells(data: bytes, *, size: int | None = None) -> list[str]:
    """The code cells of a notebook, in order; ValueError with the reason if it is not one."""
    if len(data) > MAX_BYTES:
        whole = _size(max(size or 0, len(data)))
        raise ValueError(
            f"notebook is {whole}, over the {_size(MAX_BYTES)} read; a cut notebook is not "
            "valid JSON, so it was not compared"
        )
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"notebook is not valid JSON ({error})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", raw.get("worksheets")), list):
        raise ValueError("not a Jupyter notebook (no list of cells)")
    try:
        notebook = nbformat.from_dict(raw)
        if notebook.get("nbformat", 4) < 4:
            notebook = nbformat.convert(notebook, 4)
    except Exception as error:  # noqa: BLE001 - nbformat raises many types on odd files
        raise ValueError(f"not a readable Jupyter notebook ({error})") from None
    cells = []
    for cell in notebook.get("cells", []):
        if isinstance(cell, Mapping) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append("".join(source) if isinstance(source, list) else str(source))
    return cells


def from_notebook(
    id: str,
    data: bytes,
    exclude_sources: Iterable[str] = (),
    *,
    name: str | None = None,
    size: int | None = None,
) -> Submission | Problem:
    """The candidate's code cells of a notebook as one text, each cell after a marker line.
    Cells whose source equals one of `exclude_sources` (the grader's setup and test cells)
    are left out, as are empty cells."""
    try:
        cells = notebook_code_cells(data, size=size)
    except ValueError as error:
        return Problem(id, name or id, str(error))
    excluded = {_cell_key(s) for s in exclude_sources}
    parts = []
    for number, source in enumerate(cells, start=1):
        if source.strip() and _cell_key(source) not in excluded:
            parts.append(CELL_MARKER.format(number=number) + "\n" + source.rstrip("\n"))
    if not parts:
        return Problem(id, name or id, "empty submission: no candidate code cells")
    return Submission(id, "\n\n".join(parts) + "\n", "code", name or id)


def _rule_cell(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    for long, short in (("≥", ">="), ("≤", "<="), ("≠", "!="), ("==", "=")):
        text = text.replace(long, short)
    return " ".join(text.split())


def rules_text(rows: Sequence[Sequence[object] | Mapping[str, object]]) -> str:
    """An annotation task's rules, given as a table (rows of cells, or of column -> cell), as
    one normalised condition per line, sorted: reordering rows or restyling cells
    (full-width characters, case, spacing, ≥ for >=) does not hide a copied rule table."""
    lines = []
    for row in rows:
        cells = row.values() if isinstance(row, Mapping) else row
        lines.append(" | ".join(_rule_cell(cell) for cell in cells))
    return "\n".join(sorted(line for line in lines if line.strip(" |")))


def from_rules(
    id: str, rows: Sequence[Sequence[object] | Mapping[str, object]], *, name: str | None = None
) -> Submission | Problem:
    text = rules_text(rows)
    if not text:
        return Problem(id, name or id, "empty submission: no rules")
    return Submission(id, text + "\n", "text", name or id)
