import heapq
import re

WORD = re.compile(r"[A-Za-z']+")


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    tally: dict[str, int] = {}
    for match in WORD.finditer(text):
        key = match.group().lower()
        tally[key] = tally.get(key, 0) + 1
    # heapq.nsmallest with a negated count keeps ties in alphabetical order
    best = heapq.nsmallest(n, tally.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(word, count) for word, count in best]
