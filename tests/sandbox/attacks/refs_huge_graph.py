# Object graphs too big to copy: a list nested 100,000 deep, a list and a dict with millions
# of entries, a list that contains itself, a wide graph of shared sublists (a billion nodes
# from a few thousand objects), and a range of 10**15 numbers where a test expects a list.
# Each must fail fast with a clear error, not exhaust the judge's memory; the answers are
# wrong anyway.


def deep(levels):
    value = []
    for _ in range(levels):
        value = [value]
    return value


SELF = [1, 2]
SELF.append(SELF)
SHARED = [[list(range(1000))] * 1000] * 1000


class Account:
    def __init__(self, owner):
        self.owner = owner

    def deposit(self, amount):
        return self

    def balance(self):
        return SHARED

    def history(self):
        return deep(100_000)


def running_totals(numbers):
    return SELF if len(numbers) < 10 else range(10**15)


def squares_forever(start=0):
    return list(range(3_000_000))


def transform(values, func):
    return [deep(1000)] * len(values)


def word_counts(text):
    return {f"w{i}": i for i in range(1_500_000)}
