"""The native hirebench format: each cell says its role in `metadata.hirebench` (role, id,
points, timeout, hidden, description). docs/grader-notebook.md describes it."""

from __future__ import annotations

from typing import Any

from hirebench.grading.formats.common import ROLES, NotebookCell, NotebookFormat, Reporter


class NativeFormat(NotebookFormat):
    name = "hirebench"
    id_field = "metadata.hirebench.id"
    points_field = "metadata.hirebench.points"
    stub_whole_unmarked = False

    def defines(self, cell: NotebookCell) -> bool:
        return cell.hb is not None and "role" in cell.hb

    def assign_role(self, report: Reporter, cell: NotebookCell, context: Any) -> None:
        assert cell.hb is not None
        role = cell.hb["role"]
        if role not in ROLES:
            report.problem(f"unknown role {role!r}; expected one of {', '.join(ROLES)}", cell.index)
            return
        if role != "context" and cell.cell_type != "code":
            report.problem(f"a {role} cell must be a code cell, not {cell.cell_type}", cell.index)
            return
        cell.role = role
        if "id" in cell.hb:
            cell.cell_id = cell.hb["id"] if isinstance(cell.hb["id"], str) else None
            if cell.cell_id is None:
                report.problem(
                    f"metadata.hirebench.id must be a string, not {cell.hb['id']!r}", cell.index
                )

    def test_points(self, cell: NotebookCell) -> Any:
        return (cell.hb or {}).get("points")

    def reports_missing_id(self, cell: NotebookCell) -> bool:
        # An id that is not a string has been reported by assign_role.
        return isinstance((cell.hb or {}).get("id"), str | None)
