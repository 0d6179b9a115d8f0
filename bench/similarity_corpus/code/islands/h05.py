import numpy as np
from scipy import ndimage


def count_islands(grid):
    array = np.asarray(grid, dtype=bool)
    if array.size == 0:
        return 0
    _, how_many = ndimage.label(array)
    return int(how_many)


def largest_island(grid):
    array = np.asarray(grid, dtype=bool)
    labels, how_many = ndimage.label(array)
    if how_many == 0:
        return 0
    return int(np.bincount(labels.ravel())[1:].max())
