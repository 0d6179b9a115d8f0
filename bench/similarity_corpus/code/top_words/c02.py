from collections import defaultdict
import os


def demo():
    counter = WordCounter()
    counter.feed("It was the best of times, it was the worst of times")
    print(counter.most_common(4))


def top_words(text, n):
    counter = WordCounter()
    counter.feed(text)
    return counter.most_common(n)


class WordCounter:
    def __init__(self):
        self.counts = defaultdict(int)
        self.debug = os.environ.get("DEBUG") == "1"

    def most_common(self, n):
        pairs = list(self.counts.items())
        if self.debug:
            print("pairs:", len(pairs))
        pairs.sort(key=lambda p: p[0])
        pairs.sort(key=lambda p: p[1], reverse=True)
        return pairs[:n]

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
