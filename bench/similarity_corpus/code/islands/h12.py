def count_islands(grid):
    rows = len(grid)
    if rows == 0:
        return 0
    cols = len(grid[0])
    ids = [[0] * cols for _ in range(rows)]
    next_id = 0
    changed = True
    for r in range(rows):
        for c in range(cols):
            if grid[r][c] == 1:
                next_id += 1
                ids[r][c] = next_id
    # propagate the smallest id through each island until nothing changes
    while changed:
        changed = False
        for r in range(rows):
            for c in range(cols):
                if ids[r][c] == 0:
                    continue
                best = ids[r][c]
                for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                    if 0 <= rr < rows and 0 <= cc < cols and ids[rr][cc]:
                        best = min(best, ids[rr][cc])
                if best < ids[r][c]:
                    ids[r][c] = best
                    changed = True
    return len({v for row in ids for v in row if v})
