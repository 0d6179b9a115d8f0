def merge_intervals(segments):
    # sweep over open/close events
    points = []
    for a, b in segments:
        points.append((a, 0))
        points.append((b, 1))
    points.sort()
    out = []
    level = 0
    begin = None
    for where, what in points:
        if what == 0:
            if level == 0:
                begin = where
            level = level + 1
        else:
            level = level - 1
            if level == 0:
                out.append([begin, where])
    return out


def covered_length(segments):
    total = 0
    for a, b in merge_intervals(segments):
        total += b - a
    return total
