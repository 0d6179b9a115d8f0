import re
from collections import Counter


def tokenize(text):
    """Split text into lowercase words."""
    return re.findall(r"[a-z']+", text.lower())


def top_words(text, n):
    counts = Counter(tokenize(text))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]


if __name__ == "__main__":
    sample = "The cat and the hat. The end, and the start!"
    for word, count in top_words(sample, 3):
        print(f"{word}: {count}")
