"""Small numeric helpers shared by the analyses: JSON-safe numbers and column-wise correlation."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Standard deviations are sample SDs (ddof=1) throughout, as scipy and pandas default to for
#: the statistics reported here; ratios of SDs (Case II's u) do not depend on the choice.
DDOF = 1


def number(value: float | np.floating | None) -> float | None:
    """A plain float for JSON, or None for a missing or non-finite value (json has no NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def sample_sd(values: FloatArray) -> float | None:
    """The sample SD (ddof=1) of finite values, or None when there are fewer than two."""
    if values.size < 2:
        return None
    return float(np.std(values, ddof=DDOF))


def column_correlations(x: FloatArray, y: FloatArray) -> FloatArray:
    """Pearson r of each column of `x` with the matching column of `y` (both n x k, no NaN),
    in one vectorized pass; NaN where either column has no variance."""
    xc = x - x.mean(axis=0)
    yc = y - y.mean(axis=0)
    numerator = (xc * yc).sum(axis=0)
    denominator = np.sqrt((xc * xc).sum(axis=0) * (yc * yc).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = numerator / denominator
    # A constant column can keep a trace of variance after centring (0.1 * 3 - 0.3 != 0), so
    # constancy is tested exactly, on the values.
    constant = (np.ptp(x, axis=0) == 0) | (np.ptp(y, axis=0) == 0)
    r[constant] = np.nan
    return np.clip(r, -1.0, 1.0)


def correlation(x: FloatArray, y: FloatArray) -> float | None:
    """Pearson r of two vectors, or None when there are fewer than 3 pairs or no variance."""
    if x.size < 3:
        return None
    return number(column_correlations(x[:, None], y[:, None])[0])
