# The kernel dies in the middle of a test: a method calls os._exit once the inputs stop
# looking like the visible test's, after the test already holds references to other objects
# that it goes on to use. That test, and every one after it, must error cleanly and at once;
# the visible tests, answered honestly, still pass.
import os
from collections import Counter


class Account:
    def __init__(self, owner):
        self.owner = owner
        self.deposits = []

    def deposit(self, amount):
        if amount not in (30, 12):
            os._exit(3)
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
