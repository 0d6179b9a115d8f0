# Objects that lie about everything a test might ask: methods and properties that return
# always-equal objects, int/str/list/dict subclasses whose __eq__, __bool__ and __len__ lie,
# and generators that yield always-equal objects. None of it knows the hidden answers, so
# only a test that let one of these objects decide a comparison could pass.


class Yes:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__

    def __bool__(self):
        return True

    def __hash__(self):
        return 0

    def __len__(self):
        return 1

    def __contains__(self, item):
        return True

    def __iter__(self):
        return iter([Yes(), Yes()])

    def __getattr__(self, name):
        return Yes()

    def __call__(self, *args, **kwargs):
        return Yes()

    def __index__(self):
        return 0

    # Arithmetic a test might do to compare: the difference is always nothing.
    def __sub__(self, other):
        return Yes()

    __rsub__ = __add__ = __radd__ = __abs__ = __sub__


class LyingInt(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__


class LyingStr(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


class LyingList(list):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True

    def __len__(self):
        return 7

    def __iter__(self):
        return iter([Yes()] * 7)


class LyingDict(dict):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def values(self):
        return LyingList()

    def __iter__(self):
        return iter([Yes()])


class Account:
    def __init__(self, owner):
        self._owner = owner

    @property
    def owner(self):
        return LyingStr("somebody")

    def deposit(self, amount):
        return Yes()

    def balance(self):
        return LyingInt(0)

    def history(self):
        return LyingList([1])


def running_totals(numbers):
    for _ in numbers:
        yield Yes()


def squares_forever(start=0):
    while True:
        yield LyingInt(-1)


def word_counts(text):
    return LyingDict(lies=1)
