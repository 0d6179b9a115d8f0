import string


def clean(text):
    table = str.maketrans(string.punctuation, " " * len(string.punctuation))
    return text.translate(table).lower()


def count_words(text):
    freq = {}
    for w in clean(text).split():
        if w in freq:
            freq[w] = freq[w] + 1
        else:
            freq[w] = 1
    return freq


def top_words(text, n):
    freq = count_words(text)
    words = list(freq.keys())
    words.sort()
    words.sort(key=lambda w: freq[w], reverse=True)
    result = []
    for w in words[:n]:
        result.append((w, freq[w]))
    return result
