import numpy as np


def merge_intervals(intervals):
    if len(intervals) == 0:
        return []
    arr = np.array(intervals, dtype=float)
    arr = arr[np.argsort(arr[:, 0], kind="stable")]
    running_end = np.maximum.accumulate(arr[:, 1])
    # a new group starts where the start lies beyond every end seen before it
    new_group = np.r_[True, arr[1:, 0] > running_end[:-1]]
    group_ids = np.cumsum(new_group) - 1
    starts = arr[new_group, 0]
    ends = np.zeros(len(starts))
    np.maximum.at(ends, group_ids, arr[:, 1])
    return [[float(a), float(b)] for a, b in zip(starts, ends)]


def covered_length(intervals):
    merged = np.array(merge_intervals(intervals))
    return 0.0 if merged.size == 0 else float((merged[:, 1] - merged[:, 0]).sum())
