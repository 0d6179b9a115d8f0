import networkx as nx


def to_graph(grid):
    g = nx.Graph()
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if v == 1:
                g.add_node((r, c))
                if r and grid[r - 1][c] == 1:
                    g.add_edge((r, c), (r - 1, c))
                if c and row[c - 1] == 1:
                    g.add_edge((r, c), (r, c - 1))
    return g


def count_islands(grid):
    return nx.number_connected_components(to_graph(grid))


def largest_island(grid):
    comps = list(nx.connected_components(to_graph(grid)))
    return max((len(c) for c in comps), default=0)
