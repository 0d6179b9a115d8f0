"""Writes refs_target_grader.ipynb, the grader the remote-reference attacks aim at: tests that
use the candidate's live objects (a class, a generator, an endless generator, a function
returning a dict, a function that calls the test's own function) through nose's assert_equal,
built-ins and itertools. The hidden tests draw their inputs from a seeded generator inside the
test, so a candidate cannot know them in advance. Run it after changing the tests below; the
notebook is committed so the suite reads a plain file as production does."""

from pathlib import Path

import nbformat

CANARY = "HIDDEN-CANARY-" + "7c2d"  # split so this file itself is not a hit for a scanner

SETUP = """\
import itertools
import random

import numpy as np
from nose.tools import assert_equal
"""

# The reference solution imports Counter, so the planner reads `Counter` from the candidate's
# kernel in later tests: the counts test below imports its own, which must win.
SOLUTION = """\
### BEGIN SOLUTION
from collections import Counter


class Account:
    def __init__(self, owner):
        self.owner = owner
        self.deposits = []

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("a deposit must be positive")
        self.deposits.append(amount)
        return self

    def balance(self):
        return sum(self.deposits)

    def history(self):
        return list(self.deposits)

    def mean_deposit(self):
        return self.balance() / len(self.deposits)


def running_totals(numbers):
    total = 0
    for number in numbers:
        total += number
        yield total


def squares_forever(start=0):
    n = start
    while True:
        yield n * n
        n += 1


def word_counts(text):
    return dict(Counter(text.lower().split()))


def transform(values, func):
    return [func(value) for value in values]
### END SOLUTION
"""

ACCOUNT_VISIBLE = """\
acct = Account("ada")
acct.deposit(30)
acct.deposit(12)
assert_equal(acct.owner, "ada")
assert_equal(acct.balance(), 42)
assert_equal(acct.history(), [30, 12])
"""

ACCOUNT_HIDDEN = f"""\
# {CANARY}
rng = random.Random(20261206)
amounts = [rng.randint(1, 10**6) for _ in range(rng.randint(20, 40))]
owner = "owner-" + str(rng.randint(10**8, 10**9))
acct = Account(owner)
for amount in amounts:
    acct.deposit(amount)
history = acct.history()
assert isinstance(history, list)
assert_equal(len(history), len(amounts))
assert_equal(history, amounts)
assert_equal(max(history), max(amounts))
assert_equal(acct.owner, owner)
np.testing.assert_array_equal(np.array(history), np.array(amounts))
try:
    acct.deposit(-rng.randint(1, 100))
except ValueError:
    pass
else:
    raise AssertionError("{CANARY}: a negative deposit must raise ValueError")
assert_equal(acct.balance(), sum(amounts))
"""

# The guard graders write before a tolerance check: only data is really a float.
MEAN_HIDDEN = f"""\
# {CANARY}
rng = random.Random(31337)
amounts = [rng.randint(1, 500) for _ in range(rng.randint(3, 9))]
acct = Account("mean")
for amount in amounts:
    acct.deposit(amount)
mean = acct.mean_deposit()
assert isinstance(mean, float)
assert abs(mean - sum(amounts) / len(amounts)) < 1e-9
"""

# The same tolerance check with no guard, as numerical courses write it: a candidate object's
# __sub__ must never see the expected value.
MEAN_UNGUARDED = f"""\
# {CANARY}
rng = random.Random(4242)
amounts = [rng.randint(1, 500) for _ in range(rng.randint(3, 9))]
acct = Account("unguarded")
for amount in amounts:
    acct.deposit(amount)
assert abs(acct.mean_deposit() - sum(amounts) / len(amounts)) < 1e-9
np.testing.assert_allclose(acct.mean_deposit(), sum(amounts) / len(amounts))
"""

TOTALS_VISIBLE = "assert_equal(list(running_totals([1, 2, 3])), [1, 3, 6])\n"

TOTALS_HIDDEN = f"""\
# {CANARY}
rng = random.Random(77031)
numbers = [rng.randint(-50, 50) for _ in range(rng.randint(50, 150))]
got = list(running_totals(numbers))
assert isinstance(got, list)
assert_equal(len(got), len(numbers))
assert_equal(got, list(itertools.accumulate(numbers)))
lazy = running_totals(numbers)
assert_equal(next(lazy), numbers[0])
assert_equal(sum(1 for _ in running_totals(numbers[:10])), 10)
"""

FOREVER_HIDDEN = f"""\
# {CANARY}
rng = random.Random(5150)
n = rng.randint(30, 90)
start = rng.randint(1, 1000)
first = list(itertools.islice(squares_forever(start), n))
assert_equal(first, [i * i for i in range(start, start + n)])
gen = squares_forever()
assert_equal([next(gen) for _ in range(5)], [0, 1, 4, 9, 16])
"""

COUNTS_VISIBLE = 'assert_equal(word_counts("a B b"), {"a": 1, "b": 2})\n'

COUNTS_HIDDEN = f"""\
# {CANARY}
from collections import Counter

rng = random.Random(90210)
vocabulary = ["alpha", "beta", "gamma", "delta", "Alpha", "BETA", "Gamma"]
words = [rng.choice(vocabulary) for _ in range(rng.randint(40, 80))]
text = " ".join(words)
got = word_counts(text)
assert isinstance(got, dict)
expected = dict(Counter(text.lower().split()))
assert_equal(got, expected)
assert_equal(sum(got.values()), len(words))
assert_equal(sorted(got), sorted(expected))
"""

# The test's own functions go into the candidate's code and run on the judge's side when it
# calls them; one answers with an array too large to travel inline as a request would.
TRANSFORM_HIDDEN = f"""\
# {CANARY}
rng = random.Random(4242)
k = rng.randint(2, 9)
values = [rng.randint(-100, 100) for _ in range(rng.randint(5, 20))]
assert_equal(transform(values, lambda v: v * k), [v * k for v in values])
wide = transform(values[:3], lambda v: np.full(20_000, v))
np.testing.assert_array_equal(np.array(wide), np.array([np.full(20_000, v) for v in values[:3]]))
"""


def cell(source: str, **meta: object) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source, metadata={"hirebench": meta})


def test(source: str, test_id: str, **meta: object) -> nbformat.NotebookNode:
    return cell(source, role="test", id=test_id, points=1, **meta)


def main() -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["hirebench"] = {
        "format": 1,
        "title": "Remote reference attack target",
        "default_timeout": 5,
        "files": False,
    }
    nb.cells = [
        cell(SETUP, role="setup"),
        cell(SOLUTION, role="solution", id="answer"),
        test(ACCOUNT_VISIBLE, "account_visible"),
        test(ACCOUNT_HIDDEN, "account_hidden", hidden=True),
        test(MEAN_HIDDEN, "mean_hidden", hidden=True),
        test(MEAN_UNGUARDED, "mean_unguarded", hidden=True),
        test(TOTALS_VISIBLE, "totals_visible"),
        test(TOTALS_HIDDEN, "totals_hidden", hidden=True),
        test(FOREVER_HIDDEN, "forever_hidden", hidden=True),
        test(TRANSFORM_HIDDEN, "transform_hidden", hidden=True),
        test(COUNTS_VISIBLE, "counts_visible"),
        test(COUNTS_HIDDEN, "counts_hidden", hidden=True),
    ]
    nbformat.write(nb, Path(__file__).with_name("refs_target_grader.ipynb"))


if __name__ == "__main__":
    main()
