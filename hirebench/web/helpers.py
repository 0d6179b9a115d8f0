"""Small view helpers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import request

from hirebench.paging import PageNumbers

T = TypeVar("T")


def client_ip() -> str:
    return request.remote_addr or ""


def page_number() -> int:
    """The ?page= query argument, clamped so a bad value shows page 1 instead of an error."""
    value = request.args.get("page", 1, type=int) or 1
    return max(1, min(value, 100_000))


@dataclass(frozen=True)
class ListPage(PageNumbers, Generic[T]):
    """One page of a list ranked in Python, with the attributes templates/_pager.html reads
    (as Flask-SQLAlchemy's Pagination has), for lists whose order SQL cannot express."""

    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @classmethod
    def of(cls, ranked: Sequence[T], page: int, per_page: int) -> ListPage[T]:
        pages = max(1, -(-len(ranked) // per_page))
        page = min(max(1, page), pages)
        start = (page - 1) * per_page
        return cls(ranked[start : start + per_page], page, per_page, len(ranked))
