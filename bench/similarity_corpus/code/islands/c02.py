from collections import deque

NEIGHBOURS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def largest_island(grid):
    sizes = island_sizes(grid)
    if not sizes:
        return 0
    return max(sizes)


def count_islands(grid):
    return len(island_sizes(grid))


def island_sizes(grid):
    height = len(grid)
    width = len(grid[0]) if height else 0
    visited = set()
    sizes = []
    for y in range(height):
        for x in range(width):
            if grid[y][x] == 1 and (y, x) not in visited:
                queue = deque([(y, x)])
                visited.add((y, x))
                size = 0
                steps = 0
                while queue:
                    steps += 1
                    cy, cx = queue.popleft()
                    size += 1
                    for dy, dx in NEIGHBOURS:
                        ny = cy + dy
                        nx = cx + dx
                        if 0 <= ny < height and 0 <= nx < width and grid[ny][nx] == 1 and (ny, nx) not in visited:
                            visited.add((ny, nx))
                            queue.append((ny, nx))
                sizes.append(size)
    return sizes
