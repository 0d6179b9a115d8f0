from itertools import product


def neighbours(point, limits):
    r, c = point
    h, w = limits
    candidates = [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)]
    return [(a, b) for a, b in candidates if 0 <= a < h and 0 <= b < w]


def explore(grid, start, visited):
    frontier = [start]
    visited.add(start)
    area = 0
    while frontier:
        point = frontier.pop()
        area += 1
        for nb in neighbours(point, (len(grid), len(grid[0]))):
            if nb not in visited and grid[nb[0]][nb[1]] == 1:
                visited.add(nb)
                frontier.append(nb)
    return area


def count_islands(grid):
    if not grid or not grid[0]:
        return 0
    visited = set()
    total = 0
    for r, c in product(range(len(grid)), range(len(grid[0]))):
        if grid[r][c] == 1 and (r, c) not in visited:
            explore(grid, (r, c), visited)
            total += 1
    return total
