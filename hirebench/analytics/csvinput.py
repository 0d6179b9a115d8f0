"""CSV files for `hirebench analytics ... --from-csv`, read into the analyses' inputs.

Files are UTF-8, with or without a byte-order mark; the first row is the header. Every error
names the file, the row (1-based, the header being row 1) and the column, and nothing is
analysed until the whole file has been read without one. Blank lines are skipped but still
counted, so row numbers match what a spreadsheet shows for simple files. Columns the command
does not know are ignored, except in the validity file, where every other column is a stage.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

CANDIDATE = "candidate"
VALIDITY_COLUMNS = (CANDIDATE, "hired", "performance")
ADVERSE_COLUMNS = (CANDIDATE, "group", "stage", "passed")
ITEM_COLUMNS = (CANDIDATE, "question", "score", "max_score")
OPTION = "option"
#: Sums of --weights within this of 100 are accepted (people write 33.3 + 33.3 + 33.4).
WEIGHT_TOLERANCE = 0.01


class InputError(ValueError):
    """Input the analyses cannot use; the message says what and where."""


class CsvInputError(InputError):
    """A problem at one place in a CSV file."""

    def __init__(self, path: Path, row: int, column: str | None, message: str) -> None:
        self.path, self.row, self.column = path, row, column
        where = f"row {row}" + (f", column {column!r}" if column else "")
        super().__init__(f"{path}: {where}: {message}")


@dataclass(frozen=True)
class Row:
    """One data row: its 1-based number in the file and its values by column, stripped."""

    number: int
    values: dict[str, str]


@dataclass(frozen=True)
class Table:
    path: Path
    header: list[str]
    rows: list[Row]

    def error(self, row: Row | int, column: str | None, message: str) -> CsvInputError:
        number = row.number if isinstance(row, Row) else row
        return CsvInputError(self.path, number, column, message)


def _records(path: Path) -> Iterator[list[str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise CsvInputError(path, line, None, "the file is not UTF-8 text") from exc
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV file: {exc}") from exc


def read_table(path: Path, required: Sequence[str]) -> Table:
    """The file's header and non-blank rows, with the `required` columns checked present."""
    records = _records(path)
    header = [name.strip() for name in next(records, [])]
    if not any(header):
        raise CsvInputError(path, 1, None, f"no header; expected columns {', '.join(required)}")
    for index, name in enumerate(header):
        if not name:
            raise CsvInputError(path, 1, None, f"column {index + 1} of the header has no name")
        if name in header[:index]:
            raise CsvInputError(path, 1, name, "this column appears twice in the header")
    for name in required:
        if name not in header:
            raise CsvInputError(
                path, 1, name, f"missing column (the header has: {', '.join(header)})"
            )
    rows = []
    for number, record in enumerate(records, start=2):
        if not any(field.strip() for field in record):
            continue
        if len(record) != len(header):
            raise CsvInputError(
                path, number, None, f"{len(record)} fields, but the header has {len(header)}"
            )
        rows.append(Row(number, {n: v.strip() for n, v in zip(header, record, strict=True)}))
    if not rows:
        raise CsvInputError(path, 2, None, "no data rows under the header")
    return Table(path, header, rows)


def _number(table: Table, row: Row, column: str) -> float:
    """The row's value in `column` as a finite number; NaN when blank."""
    text = row.values[column]
    if not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise table.error(row, column, f"{text!r} is not a number")
    return value


def _binary(table: Table, row: Row, column: str) -> int:
    text = row.values[column]
    if text not in ("0", "1"):
        raise table.error(row, column, f"{text!r} is not 0 or 1")
    return int(text)


def _required_text(table: Table, row: Row, column: str) -> str:
    if not row.values[column]:
        raise table.error(row, column, "blank")
    return row.values[column]


def _unique(table: Table, seen: dict[tuple[str, ...], int], key: tuple[str, ...], row: Row) -> None:
    if key in seen:
        what = " / ".join(key)
        raise table.error(row, CANDIDATE, f"{what!r} again: it is already on row {seen[key]}")
    seen[key] = row.number


def read_validity(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """The validity file: `candidate`, `hired` (0/1), `performance` (blank when not rated) and
    one column per stage, scores 0..100 or blank. Returns validity()'s frame (indexed by
    candidate) and the stage names in file order."""
    table = read_table(path, VALIDITY_COLUMNS)
    stages = [name for name in table.header if name not in VALIDITY_COLUMNS]
    if not stages:
        raise table.error(1, None, "no stage columns: add one column of 0-100 scores per stage")
    seen: dict[tuple[str, ...], int] = {}
    records = []
    for row in table.rows:
        candidate = _required_text(table, row, CANDIDATE)
        _unique(table, seen, (candidate,), row)
        hired = _binary(table, row, "hired")
        performance = _number(table, row, "performance")
        if not hired and not math.isnan(performance):
            raise table.error(row, "performance", "a rating for a candidate who was not hired")
        record = {CANDIDATE: candidate, "hired": hired, "performance": performance}
        for stage in stages:
            score = _number(table, row, stage)
            if not 0 <= score <= 100 and not math.isnan(score):
                raise table.error(row, stage, f"{row.values[stage]} is outside 0..100")
            record[stage] = score
        records.append(record)
    import pandas as pd  # 0.3 s to import: loaded when an analysis runs, not at start-up

    frame = pd.DataFrame(records, columns=[CANDIDATE, "hired", "performance", *stages])
    return frame.set_index(CANDIDATE), stages


def parse_weights(text: str, stages: Sequence[str], path: Path) -> dict[str, float]:
    """`--weights exam=40,portfolio=30,...`: non-negative percentages summing to 100 over
    stages the file has; stages not named weigh 0."""
    weights: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        stage, sep, value = (s.strip() for s in part.partition("="))
        if not sep or not stage:
            raise InputError(f"--weights: {part!r} is not stage=percent")
        if stage not in stages:
            raise CsvInputError(
                path,
                1,
                stage,
                f"--weights names this stage, but the file has no such stage "
                f"column (its stages: {', '.join(stages)})",
            )
        try:
            weight = float(value)
        except ValueError:
            weight = math.nan
        if not math.isfinite(weight) or weight < 0:
            raise InputError(f"--weights: {stage}={value!r} is not a percentage of 0 or more")
        if stage in weights:
            raise InputError(f"--weights: {stage} is named twice")
        weights[stage] = weight
    total = sum(weights.values())
    if abs(total - 100) > WEIGHT_TOLERANCE:
        raise InputError(f"--weights: the weights sum to {total:g}, not 100")
    return weights


def read_adverse(path: Path) -> pd.DataFrame:
    """The adverse-impact file: `candidate,group,stage,passed`, one row per candidate per
    stage; a blank group means the candidate gave none. Returns adverse_impact()'s frame."""
    table = read_table(path, ADVERSE_COLUMNS)
    seen: dict[tuple[str, ...], int] = {}
    groups: dict[str, tuple[str, int]] = {}
    records = []
    for row in table.rows:
        candidate = _required_text(table, row, CANDIDATE)
        stage = _required_text(table, row, "stage")
        _unique(table, seen, (candidate, stage), row)
        group = row.values["group"]
        earlier = groups.setdefault(candidate, (group, row.number))
        if earlier[0] != group:
            raise table.error(
                row, "group", f"{group!r}, but row {earlier[1]} gives {candidate!r} {earlier[0]!r}"
            )
        passed = _binary(table, row, "passed")
        records.append((candidate, group or None, stage, passed))
    import pandas as pd

    return pd.DataFrame(records, columns=list(ADVERSE_COLUMNS))


def read_items(path: Path) -> pd.DataFrame:
    """The item file: `candidate,question,score,max_score[,option]`, one row per candidate per
    question; a blank score is an unanswered question. Returns item_analysis()'s frame."""
    table = read_table(path, ITEM_COLUMNS)
    has_option = OPTION in table.header
    seen: dict[tuple[str, ...], int] = {}
    maxima: dict[str, tuple[float, int]] = {}
    records = []
    for row in table.rows:
        candidate = _required_text(table, row, CANDIDATE)
        question = _required_text(table, row, "question")
        _unique(table, seen, (candidate, question), row)
        top = _number(table, row, "max_score")
        if not top > 0:
            raise table.error(row, "max_score", "blank or not above 0")
        earlier = maxima.setdefault(question, (top, row.number))
        if earlier[0] != top:
            raise table.error(
                row, "max_score", f"{top:g}, but row {earlier[1]} gives {question!r} {earlier[0]:g}"
            )
        score = _number(table, row, "score")
        if not 0 <= score <= top and not math.isnan(score):
            raise table.error(row, "score", f"{row.values['score']} is outside 0..{top:g}")
        option = (row.values[OPTION] or None) if has_option else None
        records.append((candidate, question, score, top, option))
    import pandas as pd

    frame = pd.DataFrame(records, columns=[*ITEM_COLUMNS, OPTION])
    return frame if has_option else frame.drop(columns=OPTION)
