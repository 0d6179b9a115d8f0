# Control: a correct solution. It must earn every point of the remote-reference grader, which
# shows the targeted tests can pass; the attacks must not.
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
