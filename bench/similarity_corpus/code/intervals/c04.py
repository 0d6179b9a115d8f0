def merge_intervals(intervals):
    items = sorted(intervals)
    result = []
    k = 0
    while k < len(items):
        lo, hi = items[k]
        m = k + 1
        while m < len(items):
            if items[m][0] > hi:
                break
            hi = max(hi, items[m][1])
            m += 1
        result.append([lo, hi])
        k = m
    return result


def check():
    assert merge_intervals([]) == []
    assert merge_intervals([[1, 4], [4, 5]]) == [[1, 5]]
    assert covered_length([[0, 2], [1, 3], [10, 11]]) == 4


def covered_length(intervals):
    n = 0
    for p in merge_intervals(intervals):
        width = p[1] - p[0]
        n += width
    return n
