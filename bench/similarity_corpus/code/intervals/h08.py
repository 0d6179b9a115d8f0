import bisect


def merge_intervals(intervals):
    starts, ends = [], []
    for lo, hi in intervals:
        left = bisect.bisect_left(ends, lo)
        right = bisect.bisect_right(starts, hi)
        if left < right:
            lo = min(lo, starts[left])
            hi = max(hi, ends[right - 1])
        starts[left:right] = [lo]
        ends[left:right] = [hi]
    return [[s, e] for s, e in zip(starts, ends)]


def covered_length(intervals):
    merged = merge_intervals(intervals)
    return sum(e - s for s, e in merged)
