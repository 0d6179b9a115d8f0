"""Only hirebench.analytics reads group data (issue 15, docs/analytics.md "Group data"): no
other module imports hirebench.models.demographics, takes GroupData from hirebench.models, or
names the class at all. Read from the source with `ast`, so an import inside a function or
under TYPE_CHECKING counts too."""

from __future__ import annotations

import ast

from tests.test_architecture import PACKAGE_DIR, module_files

MODULE = "hirebench.models.demographics"
ALLOWED = ("hirebench.analytics", "hirebench.models")  # the readers, and the table's home


def _allowed(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in ALLOWED)


def _offences(module: str, source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.startswith(MODULE)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = {a.name for a in node.names}
            if node.module.startswith(MODULE):
                found.append(f"from {node.module} import ...")
            elif node.module == "hirebench.models" and names & {
                "demographics",
                "GroupData",
                "_GroupData",
            }:
                found.append(f"from hirebench.models import {', '.join(sorted(names))}")
        elif isinstance(node, (ast.Name, ast.Attribute)):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name in {"GroupData", "_GroupData", "demographics"}:
                found.append(f"uses {name} (line {node.lineno})")
    return [f"{module}: {o}" for o in found]


def test_only_analytics_reads_group_data() -> None:
    offences = []
    for module, path in module_files().items():
        if not _allowed(module):
            offences += _offences(module, path.read_text(encoding="utf-8"))
    assert offences == []


def test_the_check_catches_an_import() -> None:
    sneaky = (
        "def f():\n    from hirebench.models.demographics import GroupData\n    return GroupData\n"
    )
    assert len(_offences("hirebench.web.x", sneaky)) == 2
    assert _offences("hirebench.web.y", "from hirebench.models import User\n") == []
    assert (PACKAGE_DIR / "models" / "demographics.py").exists()
