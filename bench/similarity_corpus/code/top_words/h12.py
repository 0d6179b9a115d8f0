import re


def _merge(left, right):
    merged = []
    i = j = 0
    while i < len(left) and j < len(right):
        if (-left[i][1], left[i][0]) <= (-right[j][1], right[j][0]):
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged


def merge_sort(items):
    if len(items) <= 1:
        return items
    middle = len(items) // 2
    return _merge(merge_sort(items[:middle]), merge_sort(items[middle:]))


def histogram(words):
    h = {}
    for word in words:
        h[word] = h.get(word, 0) + 1
    return h


def top_words(text, n):
    words = re.findall(r"[a-z']+", text.lower())
    ranked = merge_sort(list(histogram(words).items()))
    return ranked[:n]
