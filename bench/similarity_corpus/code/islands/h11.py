from typing import Iterator

Cell = tuple[int, int]


def land(grid: list[list[int]]) -> Iterator[Cell]:
    for r, row in enumerate(grid):
        yield from ((r, c) for c, v in enumerate(row) if v)


def component(start: Cell, remaining: set[Cell]) -> set[Cell]:
    found = {start}
    edge = {start}
    while edge:
        edge = {
            (r + dr, c + dc)
            for r, c in edge
            for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1))
        } & remaining
        edge -= found
        found |= edge
    return found


def islands(grid: list[list[int]]) -> list[set[Cell]]:
    remaining = set(land(grid))
    out = []
    while remaining:
        comp = component(next(iter(remaining)), remaining)
        remaining -= comp
        out.append(comp)
    return out


def count_islands(grid: list[list[int]]) -> int:
    return len(islands(grid))


def largest_island(grid: list[list[int]]) -> int:
    return max(map(len, islands(grid)), default=0)
