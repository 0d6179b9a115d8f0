def count_islands(board):
    b = [list(line) for line in board]
    islands = 0
    for x in range(len(b)):
        for y in range(len(b[x])):
            if b[x][y] != 1:
                continue
            islands += 1
            pending = [(x, y)]
            b[x][y] = 0
            while pending:
                p, q = pending.pop(0)
                if p > 0 and b[p - 1][q] == 1:
                    b[p - 1][q] = 0
                    pending.append((p - 1, q))
                if p < len(b) - 1 and b[p + 1][q] == 1:
                    b[p + 1][q] = 0
                    pending.append((p + 1, q))
                if q > 0 and b[p][q - 1] == 1:
                    b[p][q - 1] = 0
                    pending.append((p, q - 1))
                if q < len(b[p]) - 1 and b[p][q + 1] == 1:
                    b[p][q + 1] = 0
                    pending.append((p, q + 1))
    return islands
