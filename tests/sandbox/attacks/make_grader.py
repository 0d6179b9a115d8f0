"""Writes target_grader.ipynb, the grader the attack suite aims at. Run it after changing the
tests below; the notebook is committed so the suite reads a plain file like production does."""

from pathlib import Path

import nbformat

CANARY = "HIDDEN-CANARY-" + "1b7e"  # split so this file itself is not a hit for a scanner


def cell(source: str, **meta: object) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source, metadata={"hirebench": meta})


def main() -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["hirebench"] = {"format": 1, "title": "Attack target", "default_timeout": 5,
                               "files": False}
    nb.cells = [
        cell("import pandas as pd\nraw = pd.DataFrame({'sku': ['a', 'a', 'b'], 'qty': [1, 1, 2]})",
             role="setup"),
        cell("def add(a, b):\n    raise NotImplementedError\n\n\ndef dedupe(frame):\n"
             "    raise NotImplementedError", role="solution", id="answer"),
        cell("assert add(2, 3) == 5", role="test", id="add_visible", points=1),
        cell(f"# {CANARY}\nassert add(10, -4) == 6\nassert add(0.5, 0.25) == 0.75",
             role="test", id="add_hidden", points=1, hidden=True),
        cell(f"# {CANARY}\nout = dedupe(raw)\nassert out.shape == (2, 2)\n"
             "assert list(out['qty']) == [1, 2]", role="test", id="dedupe_hidden", points=1,
             hidden=True),
        cell(f"assert '{CANARY}' in str(leaked)", role="test", id="leak", points=1, hidden=True),
        cell("assert network_reached is True", role="test", id="network", points=1, hidden=True),
        # Data, not the candidate's say-so: a reference's len() is whatever its code answers.
        cell("assert isinstance(wrote_outside, list) and len(wrote_outside) > 0", role="test",
             id="escape", points=1, hidden=True),
    ]
    nbformat.write(nb, Path(__file__).with_name("target_grader.ipynb"))


if __name__ == "__main__":
    main()
