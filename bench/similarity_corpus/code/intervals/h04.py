class IntervalSet:
    def __init__(self):
        self._items = []

    def add(self, start, end):
        new_items = []
        placed = False
        for s, e in self._items:
            if e < start:
                new_items.append((s, e))
            elif end < s:
                if not placed:
                    new_items.append((start, end))
                    placed = True
                new_items.append((s, e))
            else:
                start, end = min(s, start), max(e, end)
        if not placed:
            new_items.append((start, end))
        self._items = new_items

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return sum(e - s for s, e in self._items)


def merge_intervals(intervals):
    bag = IntervalSet()
    for s, e in intervals:
        bag.add(s, e)
    return [list(p) for p in bag]


def covered_length(intervals):
    bag = IntervalSet()
    for s, e in intervals:
        bag.add(s, e)
    return len(bag)
