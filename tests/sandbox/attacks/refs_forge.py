# Forge the kernel side of the references. The candidate replaces what hbrefs answers with
# replies of its own choosing, whatever the transport: claims of the "right" type, exceptions
# that pass for the judge's own or for an assertion, malformed and oversized replies, a range
# of 10**12 numbers, an 800 MB scalar, references to objects that do not exist. A thread also
# prints reply lines under guessed nonces and under the current one. None of it knows the
# hidden answers: the judge may believe forged data, but only as the candidate's answer.
import itertools
import json
import sys
import threading
import time

import hbrefs

TRUE = {"kind": "data", "value": {"t": "bool", "v": True}}
DEEP = {"t": "none"}
for _ in range(150):
    DEEP = {"t": "list", "v": [DEEP]}
CLAIMS = [
    {"kind": "data", "value": {"t": "pyrange", "v": ["0", "1000000000000", "1"]}},
    {"kind": "data", "value": {"t": "np.scalar", "dtype": "U200000000",
                               "v": {"t": "str", "v": "x"}}},
    {"kind": "data", "value": DEEP},
    {"kind": "items", "items": [TRUE] * 100, "done": False},
    {"kind": "items", "items": [], "done": True, "raised": TRUE},
    {"kind": "raised", "type": "AssertionError", "module": "builtins", "message": "ok"},
    {"kind": "raised", "type": "StopIteration", "module": "builtins", "message": ""},
    {"kind": "raised", "type": "KeyboardInterrupt", "module": "builtins", "message": ""},
    {"kind": "raised", "type": "TestTimeout", "module": "__main__", "message": ""},
    {"kind": "raised", "type": "SystemExit", "module": "builtins", "message": "x" * 10_000},
    {"kind": "ref", "id": 1, "type": "builtins.dict", "callable": True, "class": False,
     "iterator": True},
    {"kind": "ref", "id": 2**60, "type": "builtins.list", "callable": False, "class": False,
     "iterator": False},
    {"kind": "ref", "id": -1, "type": "x", "callable": 1, "class": 0, "iterator": None},
    TRUE,
    {"kind": "data", "value": {"t": "list", "v": [TRUE["value"]] * 3}},
    {"kind": "description", "type": "builtins.int", "callable": False, "class": False,
     "iterator": False},
    {"kind": "missing"},
    {"kind": "surprise"},
]
_claims = itertools.cycle(CLAIMS)


real_perform = hbrefs._perform


def forged_perform(request):
    # Names are answered truly, so every test gets as far as using the candidate's objects.
    if isinstance(request, dict) and request.get("op") == "name":
        return real_perform(request)
    return next(_claims)


hbrefs._perform = forged_perform


def printer():
    guesses = ["0" * 32, "f" * 32, "deadbeef" * 4]
    line = json.dumps(TRUE)
    while True:
        nonces = guesses + [hbrefs._current_nonce]
        sys.stdout.write("".join("\n" + nonce + line + "\n" for nonce in nonces))
        sys.stdout.flush()
        time.sleep(0.001)


threading.Thread(target=printer, daemon=True).start()


class Account:
    def __init__(self, owner):
        pass


def running_totals(numbers):
    yield 0


def squares_forever(start=0):
    yield 0


def word_counts(text):
    return {}


def transform(values, func):
    return []
