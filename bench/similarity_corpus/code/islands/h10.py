def count_islands(grid):
    g = [row[:] for row in grid]
    n = 0
    for i in range(len(g)):
        for j in range(len(g[i])):
            if g[i][j] == 1:
                n += 1
                todo = [(i, j)]
                g[i][j] = 0
                while len(todo) > 0:
                    a, b = todo.pop(0)
                    if a > 0 and g[a - 1][b] == 1:
                        g[a - 1][b] = 0
                        todo.append((a - 1, b))
                    if a < len(g) - 1 and g[a + 1][b] == 1:
                        g[a + 1][b] = 0
                        todo.append((a + 1, b))
                    if b > 0 and g[a][b - 1] == 1:
                        g[a][b - 1] = 0
                        todo.append((a, b - 1))
                    if b < len(g[a]) - 1 and g[a][b + 1] == 1:
                        g[a][b + 1] = 0
                        todo.append((a, b + 1))
    return n
