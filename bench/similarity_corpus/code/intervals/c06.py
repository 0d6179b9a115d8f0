from dataclasses import dataclass


@dataclass
class Range:
    start: int
    stop: int

    def extend(self, other: "Range") -> None:
        if other.stop > self.stop:
            self.stop = other.stop

    def meets(self, other: "Range") -> bool:
        return other.start <= self.stop


def covered_length(intervals):
    parts = merge_intervals(intervals)
    return sum([p[1] - p[0] for p in parts])


def merge_intervals(intervals):
    ranges = [Range(a, b) for a, b in intervals]
    ranges.sort(key=lambda r: (r.start, r.stop))
    done: list[Range] = []
    for r in ranges:
        if len(done) > 0 and done[-1].meets(r):
            done[-1].extend(r)
        else:
            done.append(Range(r.start, r.stop))
    return [[r.start, r.stop] for r in done]


if __name__ == "__main__":
    print(merge_intervals([[1, 3], [2, 6], [8, 10], [15, 18]]))
