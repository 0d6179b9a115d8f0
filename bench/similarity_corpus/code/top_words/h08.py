import itertools
import re


def top_words(text, n):
    words = sorted(re.findall(r"[a-z']+", text.lower()))
    groups = [(key, len(list(grp))) for key, grp in itertools.groupby(words)]
    groups.sort(key=lambda g: g[1], reverse=True)  # stable: keeps alphabetical ties
    return groups[:n]
