"""Writes inventory.ipynb, the bench's notebook with a class and generators (issue 13): tests
instantiate the candidate's class, call its methods, read a property, iterate it and consume
generators, so every check crosses the sandbox boundary as a remote reference."""

from pathlib import Path

import nbformat

SOLUTION = """\
class Inventory:
    def __init__(self):
        self._stock = {}

    def add(self, sku, quantity):
        ### BEGIN SOLUTION
        self._stock[sku] = self._stock.get(sku, 0) + quantity
        ### END SOLUTION

    def remove(self, sku, quantity):
        ### BEGIN SOLUTION
        if self._stock.get(sku, 0) < quantity:
            raise ValueError(f"only {self._stock.get(sku, 0)} of {sku} in stock")
        self._stock[sku] -= quantity
        ### END SOLUTION

    @property
    def total(self):
        ### BEGIN SOLUTION
        return sum(self._stock.values())
        ### END SOLUTION

    def __iter__(self):
        ### BEGIN SOLUTION
        yield from sorted(self._stock.items())
        ### END SOLUTION


def low_stock(inventory, threshold):
    ### BEGIN SOLUTION
    for sku, quantity in inventory:
        if quantity < threshold:
            yield sku
    ### END SOLUTION


def moving_average(values, window):
    ### BEGIN SOLUTION
    total = 0.0
    for index, value in enumerate(values):
        total += value
        if index >= window:
            total -= values[index - window]
        if index >= window - 1:
            yield total / window
    ### END SOLUTION
"""

TESTS = [
    (
        "adds",
        "inv = Inventory()\ninv.add('a', 3)\ninv.add('a', 2)\ninv.add('b', 1)\n"
        "assert inv.total == 6",
    ),
    (
        "removes",
        "inv = Inventory()\ninv.add('a', 3)\ninv.remove('a', 2)\nassert inv.total == 1\n"
        "try:\n    inv.remove('a', 5)\nexcept ValueError:\n    pass\n"
        "else:\n    raise AssertionError('removing too much must fail')",
    ),
    (
        "iterates",
        "inv = Inventory()\nfor sku, n in [('c', 1), ('a', 4), ('b', 2)]:\n"
        "    inv.add(sku, n)\nassert list(inv) == [('a', 4), ('b', 2), ('c', 1)]",
    ),
    (
        "low_stock",
        "inv = Inventory()\nfor sku, n in [('c', 1), ('a', 4), ('b', 2)]:\n"
        "    inv.add(sku, n)\nassert list(low_stock(inv, 3)) == ['b', 'c']",
    ),
    (
        "moving_average",
        "averages = list(moving_average([1.0, 2.0, 3.0, 4.0, 5.0], 2))\n"
        "np.testing.assert_allclose(averages, [1.5, 2.5, 3.5, 4.5])",
    ),
    (
        "lazy",
        "first = list(itertools.islice(moving_average(list(range(1000)), 10), 3))\n"
        "np.testing.assert_allclose(first, [4.5, 5.5, 6.5])",
    ),
]


def nbgrader_cell(source: str, grade_id: str, **flags: object) -> nbformat.NotebookNode:
    meta = {
        "grade": False,
        "grade_id": grade_id,
        "locked": False,
        "schema_version": 3,
        "solution": False,
        "task": False,
        **flags,
    }
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta})


def main() -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["hirebench"] = {"files": False}
    nb.cells = [
        nbgrader_cell("import itertools\n\nimport numpy as np", "setup", locked=True),
        nbgrader_cell(SOLUTION, "inventory", solution=True),
        *(nbgrader_cell(source, name, grade=True, points=1) for name, source in TESTS),
    ]
    here = Path(__file__).parent
    nbformat.write(nb, here / "inventory.ipynb")
    solution = "\n".join(line for line in SOLUTION.splitlines() if "### " not in line)
    (here / "inventory_correct.py").write_text(solution + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
