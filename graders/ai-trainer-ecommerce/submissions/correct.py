"""Reference submission for behaviour_logs.ipynb: full marks.

Written independently of the notebook's own reference solution (vectorised timestamp parsing,
one format at a time), so that the tests are known to accept more than one correct approach.
Runs on pandas 1.5.3 (the sandbox) and on pandas 2/3.
"""

import pandas as pd

TEXT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
BOT_PATTERN = r"bot|spider|crawler"
COLUMNS = ["event_id", "session_id", "ts", "action", "product", "price", "dwell_seconds"]


def _parse_timestamps(raw):
    """Parse a Series of raw `ts` text; anything not in an accepted form becomes NaT."""
    text = raw.astype(object).where(raw.notna(), "").astype(str).str.strip()
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    digits = text.str.fullmatch(r"\d+")
    for length, unit in ((10, "s"), (13, "ms")):
        mask = digits & (text.str.len() == length)
        if mask.any():
            parsed[mask] = pd.to_datetime(text[mask].astype("int64"), unit=unit)
    for fmt in TEXT_FORMATS:
        mask = parsed.isna() & ~digits & (text != "")
        if mask.any():
            parsed[mask] = pd.to_datetime(text[mask], format=fmt, errors="coerce")
    return parsed


def clean_events(path):
    events = pd.read_csv(path, dtype=str, encoding="utf-8")

    # 1. exact duplicates, judged on the raw text
    events = events.drop_duplicates().copy()

    # 2. timestamps
    events["ts"] = _parse_timestamps(events["ts"])
    events = events.dropna(subset=["ts"]).copy()

    # 3. units
    price = pd.to_numeric(events["price"], errors="coerce")
    in_fen = events["price_unit"].fillna("").str.strip().str.lower().eq("fen")
    events["price"] = price.mask(in_fen, price / 100)
    dwell = pd.to_numeric(events["dwell"], errors="coerce")
    in_ms = events["dwell_unit"].fillna("").str.strip().str.lower().eq("ms")
    events["dwell_seconds"] = dwell.mask(in_ms, dwell / 1000)

    # 4. bot sessions: a bot user agent anywhere in the session, or > 3 events in one second
    ua_bot = events["user_agent"].fillna("").str.contains(BOT_PATTERN, case=False, regex=True)
    second = events["ts"].dt.floor("s")
    counts = events.groupby([events["session_id"], second])["event_id"].transform("count")
    bot_sessions = events.loc[ua_bot | (counts > 3), "session_id"].unique()
    events = events[~events["session_id"].isin(bot_sessions)].copy()

    # 5. missing values (medians over what is left)
    medians = events.groupby("product")["price"].median()
    can_fill = events["price"].isna() & events["product"].notna() & events["action"].ne("pay")
    events.loc[can_fill, "price"] = events.loc[can_fill, "product"].map(medians)
    action_medians = events.groupby("action")["dwell_seconds"].median()
    no_dwell = events["dwell_seconds"].isna()
    events.loc[no_dwell, "dwell_seconds"] = events.loc[no_dwell, "action"].map(action_medians)

    # 6. output
    events["event_id"] = events["event_id"].astype("int64")
    events["price"] = events["price"].astype(float).round(2)
    events["dwell_seconds"] = events["dwell_seconds"].astype(float).round(3)
    events = events.sort_values(["ts", "event_id"])
    return events[COLUMNS].reset_index(drop=True)


def session_summary(events):
    df = events[["session_id", "ts", "action", "price"]].copy()
    df["ts"] = pd.to_datetime(df["ts"])
    df["ok_pay"] = df["action"].eq("pay") & df["price"].notna()
    df["paid_amount"] = df["price"].where(df["ok_pay"], 0.0)
    rows = []
    for session_id, group in df.groupby("session_id", sort=True):
        rows.append(
            {
                "session_id": session_id,
                "n_events": len(group),
                "duration_seconds": float((group["ts"].max() - group["ts"].min()).total_seconds()),
                "converted": bool(group["ok_pay"].any()),
                "revenue": round(float(group["paid_amount"].sum()), 2),
            }
        )
    summary = pd.DataFrame(
        rows, columns=["session_id", "n_events", "duration_seconds", "converted", "revenue"]
    )
    summary["n_events"] = summary["n_events"].astype("int64")
    summary["converted"] = summary["converted"].astype(bool)
    return summary.reset_index(drop=True)
