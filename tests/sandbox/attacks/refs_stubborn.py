# A generator that never ends and ignores the interrupt meant to stop it: it swallows
# KeyboardInterrupt, then the kernel ignores SIGINT altogether. The targeted tests must still
# end by their timeouts and the grading in bounded time; the kernel that will not stop is
# written off, so the tests after it end at once instead of each waiting out its timeout.
import signal
import time


class Account:
    def __init__(self, owner):
        self.owner = owner

    def deposit(self, amount):
        return self

    def balance(self):
        return 0

    def history(self):
        return []


def running_totals(numbers):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            time.sleep(0.01)
        except KeyboardInterrupt:
            pass
    yield 0


def squares_forever(start=0):
    yield 0


def word_counts(text):
    return {}
