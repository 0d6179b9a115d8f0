"""A plausible weaker submission for behaviour_logs.ipynb: some points, not all.

What it gets right: duplicates, timestamps (all forms, bad ones dropped), output columns and
types, sorting. What it misses, as a hurried candidate might:
  * units: `dwell` is renamed to `dwell_seconds` but never converted from ms, and prices in fen
    are left in fen;
  * bots: no bot sessions are removed;
  * missing values: filled with medians, but over the unconverted values with the bots still
    in, and a failed payment (a `pay` with no price) gets a price too;
  * session_summary counts any `pay` event as a conversion, failed payments included.
"""

import pandas as pd


def clean_events(path):
    df = pd.read_csv(path)
    df = df.drop_duplicates()

    def parse(value):
        if pd.isna(value):
            return pd.NaT
        text = str(value).strip()
        if text.isdigit():
            return pd.to_datetime(int(text), unit="ms" if len(text) > 10 else "s")
        return pd.to_datetime(text, errors="coerce")

    df["ts"] = pd.to_datetime(df["ts"].map(parse))
    df = df.dropna(subset=["ts"])
    df = df.rename(columns={"dwell": "dwell_seconds"})
    df["price"] = df["price"].fillna(df.groupby("product")["price"].transform("median"))
    df["dwell_seconds"] = df["dwell_seconds"].fillna(
        df.groupby("action")["dwell_seconds"].transform("median")
    )
    df["price"] = df["price"].round(2)
    df["dwell_seconds"] = df["dwell_seconds"].round(3)
    df = df[["event_id", "session_id", "ts", "action", "product", "price", "dwell_seconds"]]
    return df.sort_values(["ts", "event_id"]).reset_index(drop=True)


def session_summary(events):
    grouped = events.groupby("session_id")
    summary = pd.DataFrame(
        {
            "n_events": grouped.size(),
            "duration_seconds": (grouped["ts"].max() - grouped["ts"].min()).dt.total_seconds(),
            "converted": grouped["action"].apply(lambda actions: (actions == "pay").any()),
            "revenue": events[events["action"] == "pay"].groupby("session_id")["price"].sum(),
        }
    )
    summary["revenue"] = summary["revenue"].fillna(0.0).round(2)
    return summary.reset_index()
