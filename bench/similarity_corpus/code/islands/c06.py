def count_islands(grid):
    n_rows = len(grid)
    if n_rows == 0:
        return 0
    n_cols = len(grid[0])
    label = []
    for _ in range(n_rows):
        label.append([0] * n_cols)
    counter = 0
    for i in range(n_rows):
        for j in range(n_cols):
            if grid[i][j] == 1:
                counter = counter + 1
                label[i][j] = counter
    dirty = True
    # spread the minimum label over each island
    while dirty:
        dirty = False
        for i in range(n_rows):
            for j in range(n_cols):
                if label[i][j] == 0:
                    continue
                smallest = label[i][j]
                for ii, jj in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)):
                    inside = 0 <= ii < n_rows and 0 <= jj < n_cols
                    if inside and label[ii][jj]:
                        smallest = min(smallest, label[ii][jj])
                if smallest < label[i][j]:
                    label[i][j] = smallest
                    dirty = True
    distinct = set()
    for row in label:
        for v in row:
            if v:
                distinct.add(v)
    return len(distinct)
