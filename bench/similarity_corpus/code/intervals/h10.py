def merge_intervals(intervals):
    items = sorted(intervals)
    out = []
    i = 0
    while i < len(items):
        start, end = items[i]
        j = i + 1
        while j < len(items) and items[j][0] <= end:
            end = max(end, items[j][1])
            j += 1
        out.append([start, end])
        i = j
    return out


def covered_length(intervals):
    length = 0
    for pair in merge_intervals(intervals):
        length += pair[1] - pair[0]
    return length


def check():
    assert merge_intervals([[1, 4], [4, 5]]) == [[1, 5]]
    assert merge_intervals([]) == []
    assert covered_length([[0, 2], [1, 3], [10, 11]]) == 4
