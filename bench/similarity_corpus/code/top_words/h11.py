import re
import pandas as pd


def top_words(text, n):
    series = pd.Series(re.findall(r"[a-z']+", text.lower()), dtype="object")
    if series.empty:
        return []
    counts = series.value_counts().rename_axis("word").reset_index(name="count")
    counts = counts.sort_values(["count", "word"], ascending=[False, True])
    return list(counts.head(n).itertuples(index=False, name=None))
