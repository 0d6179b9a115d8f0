from dataclasses import dataclass, field
import re


@dataclass(order=True)
class Entry:
    sort_key: tuple = field(init=False, repr=False)
    word: str
    count: int

    def __post_init__(self):
        self.sort_key = (-self.count, self.word)


def frequencies(text):
    result = {}
    for token in re.findall(r"[a-zA-Z']+", text):
        token = token.lower()
        result[token] = result.setdefault(token, 0) + 1
    return result


def top_words(text, n):
    if n <= 0:
        return []
    entries = sorted(Entry(w, c) for w, c in frequencies(text).items())
    return [(e.word, e.count) for e in entries[:n]]
