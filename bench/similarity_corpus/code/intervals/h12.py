import pandas as pd


def merge_intervals(intervals):
    frame = pd.DataFrame(intervals, columns=["start", "end"]).sort_values("start")
    if frame.empty:
        return []
    frame["group"] = (frame["start"] > frame["end"].cummax().shift(fill_value=frame["start"].iloc[0] - 1)).cumsum()
    out = frame.groupby("group").agg(start=("start", "min"), end=("end", "max"))
    return out[["start", "end"]].values.tolist()


def covered_length(intervals):
    merged = merge_intervals(intervals)
    return int(sum(e - s for s, e in merged))
