import re
from collections import Counter

STOP = frozenset()


def normalise(raw):
    raw = raw.replace("\u2019", "'")
    return raw.casefold()


def top_words(text, n, stopwords=STOP):
    """Return the n most frequent words as (word, count), most frequent first."""
    text = normalise(text)
    bag = Counter()
    for line in text.splitlines():
        for token in re.findall(r"[a-z']+", line):
            token = token.strip("'")
            if token and token not in stopwords:
                bag[token] += 1
    top = bag.most_common()
    top.sort(key=lambda pair: (-pair[1], pair[0]))
    return top[:n]


if __name__ == "__main__":
    print(top_words("a b a c b a", 2))
