"""Start-up cost: the analytics and the charts must not load their heavy libraries when they
are merely imported, because hirebench.cli and hirebench.web import them, so every CLI
command (`hirebench --help` included) and every web worker would pay for them.

Each library below costs 0.3-1.1 s to import (tests/test_architecture.py's
FUNCTION_LEVEL_THIRD_PARTY); the functions that compute or draw import them when they run."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scipy", "statsmodels", "pandas", "altair")
MODULES = [*sorted((ROOT / "hirebench" / "analytics").glob("*.py")), ROOT / "hirebench/charts.py"]


def _module_level_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """Imports executed when the module is imported: at top level or in a top-level if/try,
    except under `if TYPE_CHECKING:`, which only the type checker runs."""
    found: list[tuple[int, str]] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                pending += node.body
            pending += node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody
            for handler in node.handlers:
                pending += handler.body
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_heavy_import_at_module_level(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    heavy = [
        f"{path.name}:{line} imports {name}"
        for line, name in _module_level_imports(tree)
        if name.split(".")[0] in HEAVY
    ]
    assert not heavy, heavy


def test_the_check_sees_a_module_level_import() -> None:
    """The walker itself: a plain import and one in a try count; TYPE_CHECKING does not."""
    source = (
        "import pandas as pd\n"
        "try:\n    from scipy import stats\nexcept ImportError:\n    pass\n"
        "if TYPE_CHECKING:\n    import altair\n"
        "def f():\n    import statsmodels\n"
    )
    names = [name for _, name in _module_level_imports(ast.parse(source))]
    assert sorted(names) == ["pandas", "scipy"]


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_importing_the_app_runs_no_heavy_import_of_theirs() -> None:
    """In a fresh interpreter, every import statement the analytics and the charts execute
    while hirebench.web and hirebench.cli are imported is recorded: none may be a heavy one.
    (Other packages may still load these libraries; that is not this module's to judge.)"""
    out = _run(
        f"""
        import builtins
        real = builtins.__import__
        seen = []

        def spy(name, globals=None, locals=None, fromlist=(), level=0):
            importer = (globals or {{}}).get("__name__", "")
            mine = importer.startswith("hirebench.analytics") or importer == "hirebench.charts"
            if mine and name.split(".")[0] in {HEAVY!r}:
                seen.append(importer + " -> " + name)
            return real(name, globals, locals, fromlist, level)

        builtins.__import__ = spy
        import hirebench.web, hirebench.cli, hirebench.analytics.charts
        builtins.__import__ = real
        print("; ".join(seen))
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_the_analyses_still_run_after_a_cold_import() -> None:
    """The deferred imports are reached: each analysis runs in a fresh interpreter."""
    out = _run(
        """
        import hirebench.analytics.adverse as a, hirebench.analytics.validity as v
        import hirebench.analytics.items as i, hirebench.analytics.funnel as f
        import pandas as pd

        rows = [(str(c), "x" if c % 2 else "y", "s", int(c % 3 > 0)) for c in range(40)]
        frame = pd.DataFrame(rows, columns=["candidate", "group", "stage", "passed"])
        stage = a.adverse_impact(frame)["stages"]["s"]
        assert stage["fisher_p"] and stage["z"], stage
        scores = pd.DataFrame(
            {"exam": [float(x) for x in range(40)], "hired": [1] * 40,
             "performance": [x % 7 + x / 10 for x in range(40)]}
        )
        report = v.validity(scores, ["exam"])
        assert report["stages"]["exam"]["p"] is not None and report["weights"]["proposed"]
        answers = [(c, q, float((c + q) % 2), 1.0) for c in range(10) for q in range(3)]
        items = pd.DataFrame(answers, columns=["candidate", "question", "score", "max_score"])
        assert i.item_analysis(items)["n"] == 10
        assert f.funnel([{"screened": pd.Timestamp("2025-01-01")}])["n"] == 1
        print("ok")
        """
    )
    assert out.stdout.strip() == "ok", out.stderr
