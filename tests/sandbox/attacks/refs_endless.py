# Generators that never end where the tests expect finite ones (list(gen), sum over gen), and
# an "endless" generator that ends at once. Each targeted test must end by its timeout; the
# account and word-count answers are honest, so the tests after them must still run and pass.
import itertools
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
    # Correct totals first, then an endless tail of zeros: list() never returns.
    total = 0
    for number in numbers:
        total += number
        yield total
    yield from itertools.repeat(0)


def squares_forever(start=0):
    # Cheap items, as fast as the judge can ask for them, then it stops being lazy at all.
    yield start * start
    while True:
        pass


def word_counts(text):
    return dict(Counter(text.lower().split()))
