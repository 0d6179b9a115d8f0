"""The page arithmetic templates/_pager.html reads, for any class that has `page`, `per_page`
and `total` (as Flask-SQLAlchemy's Pagination has)."""

from __future__ import annotations


class PageNumbers:
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
