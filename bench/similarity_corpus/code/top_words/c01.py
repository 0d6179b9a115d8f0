from collections import defaultdict


class Tally:
    # keeps a running count of every token seen so far

    def __init__(self):
        self.table = defaultdict(int)

    def consume(self, s):
        buf = []
        for letter in s.lower():
            if letter.isalpha() or letter == "'":
                buf.append(letter)
            elif buf:
                self.table["".join(buf)] += 1
                buf = []
        if buf:
            self.table["".join(buf)] += 1

    def best(self, k):
        items = list(self.table.items())
        items.sort(key=lambda it: it[0])
        items.sort(key=lambda it: it[1], reverse=True)
        return items[:k]


def top_words(text, n):
    t = Tally()
    t.consume(text)
    return t.best(n)


def demo():
    t = Tally()
    t.consume("It was the best of times, it was the worst of times")
    print(t.best(4))
