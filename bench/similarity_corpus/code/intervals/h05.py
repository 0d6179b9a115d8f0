import functools


def _fold(acc, current):
    if acc and current[0] <= acc[-1][1]:
        acc[-1] = (acc[-1][0], max(acc[-1][1], current[1]))
    else:
        acc.append(tuple(current))
    return acc


def merge_intervals(intervals):
    return functools.reduce(_fold, sorted(map(tuple, intervals)), [])


def covered_length(intervals):
    return sum(map(lambda iv: iv[1] - iv[0], merge_intervals(intervals)))
