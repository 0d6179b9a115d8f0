from typing import List, Tuple

Interval = Tuple[int, int]


def merge_intervals(intervals: List[Interval]) -> List[Interval]:
    result: List[Interval] = []
    for lo, hi in sorted(intervals):
        if lo > hi:
            raise ValueError(f"bad interval ({lo}, {hi})")
        if result and lo <= result[-1][1]:
            prev_lo, prev_hi = result.pop()
            result.append((prev_lo, max(prev_hi, hi)))
        else:
            result.append((lo, hi))
    return result


def covered_length(intervals: List[Interval]) -> int:
    total = 0
    for lo, hi in merge_intervals(intervals):
        total += hi - lo
    return total
