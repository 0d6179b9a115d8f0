from collections import deque

DIRS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def areas(m):
    n_rows = len(m)
    n_cols = len(m[0]) if n_rows else 0
    done = set()
    found = []
    for i in range(n_rows):
        for j in range(n_cols):
            if m[i][j] == 1 and (i, j) not in done:
                q = deque([(i, j)])
                done.add((i, j))
                area = 0
                while q:
                    ci, cj = q.popleft()
                    area += 1
                    for di, dj in DIRS:
                        ni, nj = ci + di, cj + dj
                        if 0 <= ni < n_rows and 0 <= nj < n_cols and m[ni][nj] == 1 and (ni, nj) not in done:
                            done.add((ni, nj))
                            q.append((ni, nj))
                found.append(area)
    return found


def count_islands(grid):
    return len(areas(grid))


def largest_island(grid):
    return max(areas(grid), default=0)
