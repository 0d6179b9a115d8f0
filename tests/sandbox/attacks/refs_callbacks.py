# Abuse the test's own functions that reach the candidate's code (callbacks): call them with
# the candidate's objects, so the judge would have to ask the busy kernel about them; keep
# them and call them again from later tests, forge calls with a stolen nonce and made-up
# callback numbers, and finally call one in an endless loop that swallows every error,
# interrupts included. The answers are wrong; the judge must not wait on itself, and the
# tests after the loop must end in bounded time.
import hbrefs

kept = []


class Opaque:
    real = 1

    def __mul__(self, other):
        return 0


def forge(prompt_body):
    kernel = get_ipython().kernel  # noqa: F821 - defined in the kernel
    try:
        return kernel.raw_input(hbrefs.CALLBACK_PROMPT + hbrefs._current_nonce + prompt_body)
    except BaseException as exc:  # noqa: BLE001
        return repr(exc)


def transform(values, func):
    kept.append(func)
    answers = []
    for attempt in (lambda: func(Opaque()), lambda: func("x" * 50_000_000), lambda: func()):
        try:
            answers.append(attempt())
        except BaseException as exc:  # noqa: BLE001
            answers.append(exc)
    for number in (-1, 0, 1, 7, 10**30):
        answers.append(forge('{"callback": %d, "args": [{"kind": "ref", "id": 1, "type": '
                             '"builtins.list", "callable": false, "class": false, '
                             '"iterator": false}]}' % number))
    answers.append(forge("not json"))
    answers.append(forge('{"callback": 0, "args": "' + "a" * 100_000 + '"}'))
    return [0 for _ in values]


class Account:
    def __init__(self, owner):
        self.owner = owner

    def deposit(self, amount):
        return self

    def balance(self):
        # A stale callback from an earlier test, called again from this one.
        for func in kept:
            try:
                func(amount=2)
            except BaseException:  # noqa: BLE001
                pass
        return 0

    def history(self):
        return []


def running_totals(numbers):
    yield 0


def squares_forever(start=0):
    yield 0


def word_counts(text):
    # Stale callbacks from the earlier test, and made-up ones, called forever.
    calls = kept + [hbrefs.JudgeFunction(n) for n in range(5)]
    while True:
        for func in calls:
            try:
                func(3)
            except BaseException:  # noqa: BLE001 - even the judge's interrupt
                pass
