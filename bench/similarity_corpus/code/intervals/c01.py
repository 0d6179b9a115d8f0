def combine_ranges(ranges):
    """Combine ranges that overlap."""
    if not ranges:
        return []
    srt = sorted(ranges, key=lambda r: r[0])
    acc = [list(srt[0])]
    for a, b in srt[1:]:
        tail = acc[-1]
        if a <= tail[1]:
            tail[1] = max(tail[1], b)
        else:
            acc.append([a, b])
    return acc


def merge_intervals(intervals):
    return combine_ranges(intervals)


def covered_length(intervals):
    return sum(b - a for a, b in combine_ranges(intervals))
