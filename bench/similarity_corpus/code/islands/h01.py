def count_islands(grid):
    """Count 4-connected groups of 1s in a grid of 0/1 values."""
    if not grid:
        return 0
    rows, cols = len(grid), len(grid[0])
    seen = [[False] * cols for _ in range(rows)]

    def sink(r, c):
        if r < 0 or c < 0 or r >= rows or c >= cols:
            return 0
        if seen[r][c] or grid[r][c] != 1:
            return 0
        seen[r][c] = True
        return 1 + sink(r + 1, c) + sink(r - 1, c) + sink(r, c + 1) + sink(r, c - 1)

    islands = 0
    for r in range(rows):
        for c in range(cols):
            if sink(r, c) > 0:
                islands += 1
    return islands
