def merge_intervals(intervals):
    # sweep line over start (+1) and end (-1) events
    events = []
    for s, e in intervals:
        events.append((s, 0))
        events.append((e, 1))
    events.sort()
    merged = []
    depth = 0
    opened = None
    for position, kind in events:
        if kind == 0:
            if depth == 0:
                opened = position
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                merged.append([opened, position])
    return merged


def covered_length(intervals):
    return sum(b - a for a, b in merge_intervals(intervals))
