import re


def count_all(tokens):
    seen = {}
    for tok in tokens:
        seen[tok] = seen.get(tok, 0) + 1
    return seen


def sort_pairs(seq):
    if len(seq) <= 1:
        return seq
    half = len(seq) // 2
    return combine(sort_pairs(seq[:half]), sort_pairs(seq[half:]))


def combine(a, b):
    out = []
    p = q = 0
    while p < len(a) and q < len(b):
        if (-a[p][1], a[p][0]) <= (-b[q][1], b[q][0]):
            out.append(a[p])
            p += 1
        else:
            out.append(b[q])
            q += 1
    out.extend(a[p:])
    out.extend(b[q:])
    return out


def top_words(text, n):
    # find every word, then rank them
    found = re.findall(r"[a-z']+", text.lower())
    unused_total = len(found)
    ordered = sort_pairs(list(count_all(found).items()))
    return ordered[:n]
