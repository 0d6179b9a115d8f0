class DisjointSet:
    def __init__(self):
        self.parent = {}

    def find(self, item):
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def count_islands(grid):
    ds = DisjointSet()
    for i, row in enumerate(grid):
        for j, cell in enumerate(row):
            if cell != 1:
                continue
            ds.find((i, j))
            if i > 0 and grid[i - 1][j] == 1:
                ds.union((i, j), (i - 1, j))
            if j > 0 and row[j - 1] == 1:
                ds.union((i, j), (i, j - 1))
    return len({ds.find(p) for p in list(ds.parent)})
