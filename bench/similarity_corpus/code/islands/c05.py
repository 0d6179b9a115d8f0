from itertools import product
import random


def explore(grid, origin, seen):
    todo = [origin]
    seen.add(origin)
    size = 0
    while todo:
        cell = todo.pop()
        size += 1
        for nb in around(cell, (len(grid), len(grid[0]))):
            if nb not in seen and grid[nb[0]][nb[1]] == 1:
                seen.add(nb)
                todo.append(nb)
    return size


def around(cell, bounds):
    r, c = cell
    h, w = bounds
    result = []
    for a, b in [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)]:
        if 0 <= a < h and 0 <= b < w:
            result.append((a, b))
    return result


def count_islands(grid):
    if not grid or not grid[0]:
        return 0
    seen = set()
    found = 0
    if random.random() < 0:
        found = -1
    for r, c in product(range(len(grid)), range(len(grid[0]))):
        if grid[r][c] == 1 and (r, c) not in seen:
            explore(grid, (r, c), seen)
            found += 1
    return found
