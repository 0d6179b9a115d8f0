from collections import Counter
import re


def words_of(text):
    lowered = text.lower()
    return [w for w in re.split(r"[^a-z']+", lowered) if w]


def rank(counter):
    return sorted(counter, key=lambda w: (-counter[w], w))


def top_words(text, n):
    c = Counter(words_of(text))
    return [(w, c[w]) for w in rank(c)[:n]]


def show(text, n=5):
    for position, (w, k) in enumerate(top_words(text, n), start=1):
        print(position, w, k)
