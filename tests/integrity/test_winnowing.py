"""Winnowing (hirebench/integrity/winnow.py): stable hashes, the guarantee, the index."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys

import numpy as np
import pytest

from hirebench.integrity import winnow

VOCABULARY = ["V", "(", ")", "=", "+", "for", "in", "len", "A", ".", ":", "1", "return"]


def _stream(rng: random.Random, length: int) -> list[str]:
    return [rng.choice(VOCABULARY) for _ in range(length)]


def _prints(tokens: list[str], k: int, w: int) -> set[int]:
    return set(winnow.fingerprints(winnow.token_values(tokens), k, w).tolist())


@pytest.mark.parametrize(("k", "w"), [(8, 6), (3, 1), (5, 4), (2, 9)])
def test_any_shared_run_of_the_guarantee_length_shares_a_fingerprint(k: int, w: int) -> None:
    """The property, over random streams: a run of t = k + w - 1 tokens planted anywhere in
    two otherwise unrelated streams always yields a common fingerprint."""
    rng = random.Random(k * 100 + w)
    t = k + w - 1
    for _ in range(300):
        run = _stream(rng, t)
        a = _stream(rng, rng.randint(0, 60)) + run + _stream(rng, rng.randint(0, 60))
        b = _stream(rng, rng.randint(0, 60)) + run + _stream(rng, rng.randint(0, 60))
        common = _prints(a, k, w) & _prints(b, k, w)
        assert common, (a, b)
        # and each common fingerprint is a k-gram that really occurs in both
        hashes_a = winnow.kgram_hashes(winnow.token_values(a), k).tolist()
        hashes_b = winnow.kgram_hashes(winnow.token_values(b), k).tolist()
        assert common <= set(hashes_a) & set(hashes_b)


def test_winnow_picks_the_rightmost_minimum_of_every_window() -> None:
    hashes = np.array([5, 3, 3, 9, 1, 7, 7, 2], dtype=np.uint64)
    assert winnow.winnow(hashes, 3).tolist() == [2, 4, 7]
    # every window of 3 holds a selected position
    chosen = set(winnow.winnow(hashes, 3).tolist())
    for start in range(len(hashes) - 2):
        window = range(start, start + 3)
        assert chosen & set(window)
        assert min(hashes[i] for i in window) in {hashes[i] for i in chosen & set(window)}


def test_short_streams() -> None:
    assert winnow.kgram_hashes(winnow.token_values(["V"] * 4), 5).size == 0
    assert winnow.winnow(np.zeros(0, dtype=np.uint64), 4).size == 0
    assert len(winnow.fingerprints(winnow.token_values(["V", "="] * 3), 5, 10)) == 1


def test_hashes_are_stable_across_processes() -> None:
    """Python's hash() is salted per process; reports must not change between runs."""
    code = (
        "from hirebench.integrity import winnow;"
        "print(winnow.kgram_hashes(winnow.token_values(['V','=','len','(','V',')']), 3).tolist())"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1
    assert runs.pop().strip() == str(
        winnow.kgram_hashes(winnow.token_values(["V", "=", "len", "(", "V", ")"]), 3).tolist()
    )


def test_the_index_counts_exactly_the_shared_fingerprints() -> None:
    rng = random.Random(3)
    prints = [
        np.unique(np.array(rng.sample(range(60), rng.randint(0, 25)), dtype=np.uint64))
        for _ in range(12)
    ]
    found = winnow.shared_counts(prints)
    for i, j in itertools.combinations(range(12), 2):
        shared = len(set(prints[i].tolist()) & set(prints[j].tolist()))
        assert found.get((i, j), 0) == shared
    weighted = winnow.shared_counts(prints, lambda holders: 1 / holders)
    frequency = winnow.document_frequency(prints)
    for (i, j), value in weighted.items():
        common = set(prints[i].tolist()) & set(prints[j].tolist())
        assert value == pytest.approx(sum(1 / frequency[h] for h in common))


def test_the_index_only_touches_pairs_that_share_something() -> None:
    prints = [np.array([1, 2], dtype=np.uint64), np.array([3], dtype=np.uint64)] * 1 + [
        np.array([2, 9], dtype=np.uint64)
    ]
    assert winnow.shared_counts(prints) == {(0, 2): 1}
    assert winnow.shared_counts(prints[:1]) == {}
