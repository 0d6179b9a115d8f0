from dataclasses import dataclass


@dataclass
class Span:
    lo: int
    hi: int

    def touches(self, other: "Span") -> bool:
        return other.lo <= self.hi

    def absorb(self, other: "Span") -> None:
        self.hi = max(self.hi, other.hi)


def merge_intervals(intervals):
    spans = sorted((Span(a, b) for a, b in intervals), key=lambda s: (s.lo, s.hi))
    merged: list[Span] = []
    for span in spans:
        if merged and merged[-1].touches(span):
            merged[-1].absorb(span)
            continue
        merged.append(Span(span.lo, span.hi))
    return [[s.lo, s.hi] for s in merged]


def covered_length(intervals):
    return sum(s[1] - s[0] for s in merge_intervals(intervals))


if __name__ == "__main__":
    print(merge_intervals([[1, 3], [2, 6], [8, 10], [15, 18]]))
