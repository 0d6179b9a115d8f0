def is_word_char(c):
    return ("a" <= c <= "z") or c == "'"


def split_words(text):
    out, cur = [], ""
    for c in text.lower() + " ":
        if is_word_char(c):
            cur += c
        else:
            if cur != "":
                out.append(cur)
            cur = ""
    return out


def top_words(text, n):
    seen = {}
    order = []
    for w in split_words(text):
        if w not in seen:
            seen[w] = 0
            order.append(w)
        seen[w] += 1
    # simple selection: pick the best remaining word n times
    result = []
    remaining = set(order)
    while remaining and len(result) < n:
        best = None
        for w in remaining:
            if best is None or seen[w] > seen[best] or (seen[w] == seen[best] and w < best):
                best = w
        result.append((best, seen[best]))
        remaining.remove(best)
    return result
