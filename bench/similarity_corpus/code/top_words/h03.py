from collections import defaultdict


class WordCounter:
    """Counts words fed to it and reports the most common ones."""

    def __init__(self):
        self.counts = defaultdict(int)

    def feed(self, text):
        word = []
        for ch in text.lower():
            if ch.isalpha() or ch == "'":
                word.append(ch)
            elif word:
                self.counts["".join(word)] += 1
                word = []
        if word:
            self.counts["".join(word)] += 1

    def most_common(self, n):
        pairs = list(self.counts.items())
        pairs.sort(key=lambda p: p[0])
        pairs.sort(key=lambda p: p[1], reverse=True)
        return pairs[:n]


def top_words(text, n):
    counter = WordCounter()
    counter.feed(text)
    return counter.most_common(n)


def demo():
    c = WordCounter()
    c.feed("It was the best of times, it was the worst of times")
    print(c.most_common(4))
