def count_islands(grid):
    cells = {(r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v == 1}
    count = 0
    while cells:
        stack = [cells.pop()]
        count += 1
        while stack:
            r, c = stack.pop()
            for nxt in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if nxt in cells:
                    cells.remove(nxt)
                    stack.append(nxt)
    return count
