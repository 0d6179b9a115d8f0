def is_word_char(ch):
    return ("a" <= ch <= "z") or ch == "'"


def split_words(s):
    words, current = [], ""
    for ch in s.lower() + " ":
        if is_word_char(ch):
            current += ch
        else:
            if current != "":
                words.append(current)
            current = ""
    return words


def top_words(text, n):
    freq = {}
    first_seen = []
    for token in split_words(text):
        if token not in freq:
            freq[token] = 0
            first_seen.append(token)
        freq[token] += 1
    picked = []
    left = set(first_seen)
    for _ in range(n):
        if not left:
            break
        winner = None
        for token in left:
            if winner is None or freq[token] > freq[winner] or (freq[token] == freq[winner] and token < winner):
                winner = token
        picked.append((winner, freq[winner]))
        left.remove(winner)
    return picked
