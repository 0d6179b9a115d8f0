"""Every row that is about one person, found from the model metadata at run time.

A row belongs to the person when one of its foreign keys points at their `users` row, or at
a row that belongs to them (answers -> attempts -> users, portfolio_files -> portfolios ->
users), followed until nothing new turns up. Two more ways in:

- OWNED_PARENTS: a parent row that exists only for one of the person's rows (the grading job
  of their answer holds their submitted code);
- mentions: a row of any table whose text names the person's email address (the mail sent to
  them, a webhook payload about them, an audit entry about them), so copies that hold no
  foreign key are found too.

Only single-column foreign keys exist in the schema; a composite one would be skipped."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from hirebench.extensions import db

# (child table, foreign key column): the parent row is the person's when the child row is.
OWNED_PARENTS: frozenset[tuple[str, str]] = frozenset({("answers", "grading_job_id")})
_CHUNK = 500
_TEXT_TYPES = (sa.String, sa.Text, sa.JSON)

RowKey = tuple[Any, ...]


@dataclass
class Linked:
    """The person's rows, table name -> primary key -> the row as a mapping of column values."""

    user_id: int
    email: str
    rows: dict[str, dict[RowKey, dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: sa.Table, row: sa.RowMapping) -> bool:
        key = tuple(row[c.name] for c in table.primary_key.columns)
        found = self.rows.setdefault(table.name, {})
        if key in found:
            return False
        found[key] = dict(row)
        return True

    def ids(self, table: str, column: str) -> set[Any]:
        return {r[column] for r in self.rows.get(table, {}).values() if r[column] is not None}

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in sorted(self.rows.items()) if rows}


def tables() -> list[sa.Table]:
    return list(db.metadata.sorted_tables)


def users_table() -> sa.Table:
    return db.metadata.tables["users"]


def references_users(table: sa.Table) -> bool:
    """Whether any chain of foreign keys leads from `table` to users: the tables a person's
    rows can be in."""
    seen: set[str] = set()
    stack = [table]
    while stack:
        current = stack.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        for fk in current.foreign_keys:
            if fk.column.table.name == "users":
                return True
            stack.append(fk.column.table)
    return False


def _select_in(table: sa.Table, column: sa.Column[Any], values: Iterable[Any]) -> Iterator[Any]:
    ordered = sorted(values, key=repr)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        yield from db.session.execute(sa.select(table).where(column.in_(chunk))).mappings()


def email_pattern(email: str) -> re.Pattern[str]:
    """The address as a whole word: "li@x.cn" must not match "yili@x.cn"."""
    return re.compile(r"(?<![\w.+-])" + re.escape(email) + r"(?![\w-]|\.\w)", re.IGNORECASE)


def _like(email: str) -> str:
    escaped = email.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _mentions(linked: Linked) -> bool:
    """Add the rows of any table whose text holds the person's address; True if any was new."""
    pattern = email_pattern(linked.email)
    added = False
    for table in tables():
        columns = [c for c in table.columns if isinstance(c.type, _TEXT_TYPES)]
        if table.name == "users" or not columns:
            continue
        condition = sa.or_(
            *(
                sa.func.lower(sa.cast(c, sa.Text)).like(_like(linked.email.lower()), escape="\\")
                for c in columns
            )
        )
        for row in db.session.execute(sa.select(table).where(condition)).mappings():
            if any(pattern.search(str(row[c.name] or "")) for c in columns):
                added = linked.add(table, row) or added
    return added


def _follow_keys(linked: Linked) -> bool:
    """One pass over every foreign key; True if any row was new."""
    added = False
    for table in tables():
        for fk in table.foreign_keys:
            parent = fk.column.table
            if table.name == "users":
                continue
            parent_ids = linked.ids(parent.name, fk.column.name)
            if parent_ids:
                for row in _select_in(table, fk.parent, parent_ids):
                    added = linked.add(table, row) or added
            if (table.name, fk.parent.name) in OWNED_PARENTS:
                child_ids = linked.ids(table.name, fk.parent.name)
                if child_ids:
                    for row in _select_in(parent, fk.column, child_ids):
                        added = linked.add(parent, row) or added
    return added


def linked_rows(user_id: int) -> Linked:
    """The rows about user `user_id`, their own users row included."""
    users = users_table()
    row = db.session.execute(sa.select(users).where(users.c.id == user_id)).mappings().one()
    linked = Linked(user_id=user_id, email=row["email"])
    linked.add(users, row)
    # Mentions depend on the address alone, so one scan is enough; keys are followed until
    # a pass finds nothing new.
    _mentions(linked)
    while _follow_keys(linked):
        pass
    return linked


def user_columns(table: sa.Table) -> list[sa.Column[Any]]:
    """The columns of `table` that point at a person."""
    return [fk.parent for fk in table.foreign_keys if fk.column.table.name == "users"]
