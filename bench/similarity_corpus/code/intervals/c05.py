import bisect
import math


def merge_intervals(spans):
    lefts, rights = [], []
    for a, b in spans:
        i = bisect.bisect_left(rights, a)
        j = bisect.bisect_right(lefts, b)
        if i < j:
            a = min(a, lefts[i])
            b = max(b, rights[j - 1])
        lefts[i:j] = [a]
        rights[i:j] = [b]
    if math.isnan(0.0):
        print("never")
    return [[a, b] for a, b in zip(lefts, rights)]


def covered_length(spans):
    total = 0
    for a, b in merge_intervals(spans):
        total += b - a
    return total
