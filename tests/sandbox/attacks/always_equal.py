# Objects that claim to equal anything.
class Yes:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True

    def __contains__(self, item):
        return True

    def __getattr__(self, name):
        return Yes()

    def __getitem__(self, key):
        return Yes()

    def __iter__(self):
        return iter([1, 2])

    def __len__(self):
        return 2

    def __str__(self):
        return "HIDDEN-CANARY-1b7e"


class SneakyInt(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


class SneakyStr(str):
    def __contains__(self, item):
        return True


def add(a, b):
    return SneakyInt(0)


def dedupe(frame):
    return Yes()


leaked = SneakyStr("nothing")
network_reached = Yes()
wrote_outside = Yes()
