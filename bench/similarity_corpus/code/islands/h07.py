def count_islands(grid):
    # label row by row; a run of 1s joins the labels of runs above it that it touches
    labels = {}
    parent = []

    def root(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if not value:
                continue
            up = labels.get((r - 1, c))
            left = labels.get((r, c - 1))
            if up is None and left is None:
                parent.append(len(parent))
                labels[(r, c)] = len(parent) - 1
            elif up is not None and left is not None:
                a, b = root(up), root(left)
                parent[max(a, b)] = min(a, b)
                labels[(r, c)] = min(a, b)
            else:
                labels[(r, c)] = up if up is not None else left
    return len({root(k) for k in range(len(parent))})
