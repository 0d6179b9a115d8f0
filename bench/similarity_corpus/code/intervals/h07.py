def overlaps(a, b):
    return a[0] <= b[1] and b[0] <= a[1]


def union(a, b):
    return [min(a[0], b[0]), max(a[1], b[1])]


def merge_intervals(intervals):
    pending = [list(x) for x in intervals]
    changed = True
    while changed:
        changed = False
        out = []
        while pending:
            cur = pending.pop()
            for idx, other in enumerate(out):
                if overlaps(cur, other):
                    out[idx] = union(cur, other)
                    changed = True
                    break
            else:
                out.append(cur)
        pending = out
    return sorted(pending)


def covered_length(intervals):
    total = 0
    for lo, hi in merge_intervals(intervals):
        total = total + (hi - lo)
    return total
