"""Fingerprints by winnowing (Schleimer, Wilkerson & Aiken, SIGMOD 2003), and the inverted
index that finds the pairs sharing them.

- Each token gets a stable 64-bit value (the first 8 bytes of its BLAKE2b digest; Python's
  `hash()` is salted per process, so reports would differ between runs).
- A k-gram's hash is the polynomial  sum(token[i+j] * B^(k-1-j)) mod 2^64, then mixed
  (splitmix64's finaliser) so that the low bits are as random as the high ones.
- Winnowing keeps, from every window of `w` consecutive k-gram hashes, the smallest (the
  rightmost one on a tie). **Guarantee**: two token streams that share a run of at least
  t = k + w - 1 tokens share at least one fingerprint, since that run holds w whole k-grams,
  a whole window, whose smallest hash both sides select. Matches shorter than k are never seen.
- The index maps each fingerprint to the submissions holding it, so only pairs that share a
  fingerprint are counted: the work grows with the shared fingerprints, not with n².
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

U64 = np.uint64
_BASE = U64(0x100000001B3)  # the FNV prime: odd, so the polynomial loses no bits
_EMPTY = np.zeros(0, dtype=U64)


@lru_cache(maxsize=65536)
def token_value(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big")


def token_values(tokens: Sequence[str]) -> np.ndarray:
    return np.fromiter((token_value(t) for t in tokens), dtype=U64, count=len(tokens))


def _mix(values: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        values = values ^ (values >> U64(30))
        values = values * U64(0xBF58476D1CE4E5B9)
        values = values ^ (values >> U64(27))
        values = values * U64(0x94D049BB133111EB)
        return values ^ (values >> U64(31))


def kgram_hashes(values: np.ndarray, k: int) -> np.ndarray:
    """The hash of every k-gram of `values` (token values), by position; empty if shorter."""
    count = len(values) - k + 1
    if count <= 0:
        return _EMPTY
    hashes = np.zeros(count, dtype=U64)
    with np.errstate(over="ignore"):
        for offset in range(k):
            hashes = hashes * _BASE + values[offset : offset + count]
    return _mix(hashes)


def winnow(hashes: np.ndarray, w: int) -> np.ndarray:
    """The positions winnowing selects, ascending: the rightmost minimum of each window of `w`
    hashes (all of a stream shorter than one window is one window)."""
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(hashes) <= w:
        reverse = int(np.argmin(hashes[::-1]))
        return np.array([len(hashes) - 1 - reverse], dtype=np.int64)
    windows = sliding_window_view(hashes, w)
    rightmost = w - 1 - np.argmin(windows[:, ::-1], axis=1)
    return np.unique(np.arange(len(windows)) + rightmost)


def fingerprints(values: np.ndarray, k: int, w: int) -> np.ndarray:
    """The distinct winnowed fingerprints (hashes) of a stream of token values, sorted."""
    hashes = kgram_hashes(values, k)
    return np.unique(hashes[winnow(hashes, w)])


def document_frequency(prints: Sequence[np.ndarray]) -> dict[int, int]:
    """How many of the submissions hold each fingerprint (each array holds distinct values)."""
    if not prints:
        return {}
    values, counts = np.unique(np.concatenate(prints), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


def shared_counts(
    prints: Sequence[np.ndarray], weight: Callable[[int], float] | None = None
) -> dict[tuple[int, int], float]:
    """For every pair (i, j), i < j, of submissions that share at least one fingerprint, how
    many they share (each counted as `weight(g)` when given, g being how many submissions
    hold it). Built from the inverted index fingerprint -> submissions: a fingerprint held by
    g submissions adds to its g(g-1)/2 pairs and to no other."""
    if len(prints) < 2:
        return {}
    owner = np.concatenate([np.full(len(p), i, dtype=np.int64) for i, p in enumerate(prints)])
    values = np.concatenate(prints)
    order = np.lexsort((owner, values))
    values, owner = values[order], owner[order]
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    sizes = np.diff(np.r_[starts, len(values)])
    n = len(prints)
    codes = []
    weights = []
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        holders = owner[start : start + size]
        left, right = _pair_indices(size)
        codes.append(holders[left] * n + holders[right])
        weights.append(np.full(len(left), 1.0 if weight is None else weight(size)))
    if not codes:
        return {}
    pair_codes, inverse = np.unique(np.concatenate(codes), return_inverse=True)
    counts = np.bincount(inverse, weights=np.concatenate(weights))
    return {
        (code // n, code % n): count
        for code, count in zip(pair_codes.tolist(), counts.tolist(), strict=True)
    }


@lru_cache(maxsize=512)
def _pair_indices(size: int) -> tuple[np.ndarray, np.ndarray]:
    left, right = np.triu_indices(size, k=1)
    return left, right
