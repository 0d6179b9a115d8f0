def merge_intervals(intervals):
    """Merge overlapping [start, end] intervals; touching ones merge too."""
    if not intervals:
        return []
    ordered = sorted(intervals, key=lambda iv: iv[0])
    merged = [list(ordered[0])]
    for start, end in ordered[1:]:
        last = merged[-1]
        if start <= last[1]:
            last[1] = max(last[1], end)
        else:
            merged.append([start, end])
    return merged


def covered_length(intervals):
    return sum(end - start for start, end in merge_intervals(intervals))
