import sys

sys.setrecursionlimit(10000)


class Grid:
    def __init__(self, rows):
        self.rows = [list(r) for r in rows]
        self.h = len(self.rows)
        self.w = len(self.rows[0]) if self.rows else 0

    def inside(self, y, x):
        return 0 <= y < self.h and 0 <= x < self.w

    def flood(self, y, x, mark):
        if not self.inside(y, x) or self.rows[y][x] != 1:
            return
        self.rows[y][x] = mark
        for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            self.flood(y + dy, x + dx, mark)

    def label(self):
        mark = 2
        for y in range(self.h):
            for x in range(self.w):
                if self.rows[y][x] == 1:
                    self.flood(y, x, mark)
                    mark += 1
        return mark - 2


def count_islands(grid):
    return Grid(grid).label()
