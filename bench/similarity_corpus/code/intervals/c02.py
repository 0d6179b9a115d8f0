def covered_length(intervals):
    result = 0
    for start, end in merge_intervals(intervals):
        result += end - start
    return result


def merge_intervals(intervals):
    # edge case first
    if not intervals:
        return []
    ordered = sorted(intervals, key=lambda iv: iv[0])
    merged = [list(ordered[0])]
    count = 0
    for start, end in ordered[1:]:
        count += 1
        last = merged[-1]
        if start <= last[1]:
            last[1] = max(last[1], end)
        else:
            merged.append([start, end])
    return merged
