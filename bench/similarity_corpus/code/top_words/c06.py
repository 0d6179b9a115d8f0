import re
from dataclasses import dataclass, field


def word_counts(s):
    table = {}
    matches = re.findall(r"[a-zA-Z']+", s)
    for m in matches:
        m = m.lower()
        previous = table.setdefault(m, 0)
        table[m] = previous + 1
    return table


@dataclass(order=True)
class Item:
    key: tuple = field(init=False, repr=False)
    text: str
    freq: int

    def __post_init__(self):
        negative = -self.freq
        self.key = (negative, self.text)


def top_words(text, n):
    if n < 1:
        return []
    items = []
    for w, c in word_counts(text).items():
        items.append(Item(w, c))
    items = sorted(items)
    return [(it.text, it.freq) for it in items[:n]]
