class UnionFind:
    def __init__(self):
        self.up = {}

    def union(self, x, y):
        rx = self.find(x)
        ry = self.find(y)
        if rx != ry:
            self.up[rx] = ry

    def find(self, x):
        self.up.setdefault(x, x)
        top = x
        while self.up[top] != top:
            top = self.up[top]
        while self.up[x] != top:
            self.up[x], x = top, self.up[x]
        return top


def count_islands(grid):
    uf = UnionFind()
    for i, row in enumerate(grid):
        for j, cell in enumerate(row):
            if cell == 1:
                uf.find((i, j))
                if i > 0 and grid[i - 1][j] == 1:
                    uf.union((i, j), (i - 1, j))
                if j > 0 and row[j - 1] == 1:
                    uf.union((i, j), (i, j - 1))
    roots = set()
    for p in list(uf.up):
        roots.add(uf.find(p))
    return len(roots)
