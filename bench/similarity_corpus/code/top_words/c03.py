import re
import sys
from collections import Counter
from functools import cmp_to_key


def compare(x, y):
    if x[1] != y[1]:
        return y[1] - x[1]
    if x[0] < y[0]:
        return -1
    if x[0] > y[0]:
        return 1
    return 0


def top_words(text, n):
    stripped = re.sub(r"[^\w\s']", " ", text)
    tokens = stripped.lower().split()
    kept = []
    i = 0
    while i < len(tokens):
        if not tokens[i].isdigit():
            kept.append(tokens[i])
        i += 1
    counted = Counter(kept)
    ordered = sorted(counted.items(), key=cmp_to_key(compare))
    return ordered[0:n]


def main(argv):
    path, n = argv[1], int(argv[2])
    with open(path, encoding="utf-8") as fh:
        data = fh.read()
    for word, count in top_words(data, n):
        sys.stdout.write("%-15s %d\n" % (word, count))


if __name__ == "__main__":
    main(sys.argv)
