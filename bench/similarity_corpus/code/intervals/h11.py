def _merge_sorted(spans):
    if len(spans) < 2:
        return list(spans)
    head, *tail = spans
    rest = _merge_sorted(tail)
    if rest and rest[0][0] <= head[1]:
        return [[head[0], max(head[1], rest[0][1])]] + rest[1:]
    return [list(head)] + rest


def merge_intervals(intervals):
    """Recursive merge; fine for the small inputs of this exercise."""
    return _merge_sorted(sorted(intervals, key=lambda p: p[0]))


def covered_length(intervals):
    return sum([hi - lo for lo, hi in merge_intervals(intervals)])
