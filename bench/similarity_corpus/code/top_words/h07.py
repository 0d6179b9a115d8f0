import re
import sys
from collections import Counter
from functools import cmp_to_key


def compare(a, b):
    if a[1] != b[1]:
        return b[1] - a[1]
    return -1 if a[0] < b[0] else (1 if a[0] > b[0] else 0)


def top_words(text, n):
    tokens = re.sub(r"[^\w\s']", " ", text).lower().split()
    tokens = [t for t in tokens if not t.isdigit()]
    counted = Counter(tokens)
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
