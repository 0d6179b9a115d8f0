"""Similarity bench (issue 16): precision, recall and F1 of the flagged pairs on the corpus in
bench/similarity_corpus/, against its ground truth (truth.json), for hirebench's engine and for
copydetect at its default threshold; then the seconds to compare 500 code submissions.

Every pair inside a truth group is a copied pair; every other pair of a folder is honest. The
500 submissions are the corpus' code files (all three tasks) made over again with identifiers
renamed and junk lines inserted, so the cohort holds many near-copies: the hard case for the
fragment search as well as for the index.

    .venv/bin/python bench/similarity.py [--seed 7] [--size 500]

Last line: ratios: f1=<ours> f1/copydetect=<ours / copydetect's> seconds_500=<ours>
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import logging
import random
import shutil
import tempfile
import time
import tokenize
from collections.abc import Iterable
from pathlib import Path

from copydetect import CopyDetector

from hirebench.integrity import compare
from hirebench.integrity.cli import load_folder
from hirebench.integrity.code import BUILTINS, KEYWORDS

CORPUS = Path(__file__).resolve().parent / "similarity_corpus"
Pair = frozenset[str]


def truth_pairs(groups: Iterable[list[str]]) -> set[Pair]:
    return {frozenset(p) for group in groups for p in itertools.combinations(group, 2)}


def ours(folder: Path, kind: str) -> set[Pair]:
    subs, _ = load_folder(folder, "code" if kind == "code" else "text", set())
    result = compare(subs, kind="code" if kind == "code" else "text")
    return {frozenset((p.a, p.b)) for p in result.pairs if p.flagged}


def copydetect_pairs(folder: Path, kind: str) -> set[Pair]:
    """copydetect's flagged pairs: what its report lists, a pair whose similarity in either
    direction is over its default display threshold (0.33). Text runs unfiltered: its filter
    keeps no token of a plain-text file (pygments' TextLexer yields only Text tokens, which it
    drops as whitespace), so every text pair would score 0 and the baseline would be a straw
    man."""
    extension = "py" if kind == "code" else "txt"
    report = Path(tempfile.mkdtemp()) / "report.html"
    detector = CopyDetector(
        test_dirs=[str(folder)],
        ref_dirs=[str(folder)],
        extensions=[extension],
        silent=True,
        autoopen=False,
        out_file=str(report),
        disable_filtering=kind != "code",
    )
    detector.run()
    shutil.rmtree(report.parent, ignore_errors=True)
    return {
        frozenset((Path(row[2]).stem, Path(row[3]).stem)) for row in detector.get_copied_code_list()
    }


def scores(found: set[Pair], truth: set[Pair]) -> tuple[int, int, int]:
    return len(found & truth), len(found - truth), len(truth - found)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def evaluate() -> dict[str, dict[str, list[int]]]:
    """Confusion counts [tp, fp, fn] by tool and by kind, printing each folder."""
    truth = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))
    totals: dict[str, dict[str, list[int]]] = {
        tool: {"code": [0, 0, 0], "text": [0, 0, 0]} for tool in ("hirebench", "copydetect")
    }
    for name, entry in truth.items():
        if name.startswith("_"):
            continue
        kind = name.split("/")[0]
        expected = truth_pairs(entry["groups"])
        for tool, run in (("hirebench", ours), ("copydetect", copydetect_pairs)):
            found = run(CORPUS / name, kind)
            counts = scores(found, expected)
            totals[tool][kind] = [a + b for a, b in zip(totals[tool][kind], counts, strict=True)]
            missed = sorted("-".join(sorted(p)) for p in expected - found)
            wrong = sorted("-".join(sorted(p)) for p in found - expected)
            print(
                f"{name:<22} {tool:<10} tp={counts[0]:<3} fp={counts[1]:<3} fn={counts[2]:<3}"
                f" missed={missed} false={wrong}"
            )
    return totals


def _rename(source: str, rng: random.Random) -> str:
    """The source with its own identifiers renamed consistently and a junk line or two."""
    names: dict[str, str] = {}
    out = []
    previous = ""
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        text = tok.string
        if (
            tok.type == tokenize.NAME
            and text not in KEYWORDS
            and text not in BUILTINS
            and previous != "."
        ):
            text = names.setdefault(
                text, f"{rng.choice('abcdefghxyz')}{len(names)}_{rng.randint(0, 99)}"
            )
        out.append((tok.type, text))
        previous = tok.string
    renamed = tokenize.untokenize(out)
    lines = renamed.splitlines()
    for _ in range(rng.randint(0, 3)):
        at = rng.randint(0, len(lines))
        indent = lines[at - 1][: len(lines[at - 1]) - len(lines[at - 1].lstrip())] if at else ""
        if at and lines[at - 1].rstrip().endswith(":"):
            indent += "    "
        lines.insert(at, f"{indent}_junk_{rng.randint(0, 999)} = {rng.randint(0, 9)}")
    return "\n".join(lines) + "\n"


def make_cohort(size: int, seed: int, into: Path) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    sources = sorted((CORPUS / "code").glob("*/*.py"))
    for number in range(size):
        source = sources[number % len(sources)].read_text(encoding="utf-8")
        (into / f"s{number:04d}.py").write_text(_rename(source, rng), encoding="utf-8")


def timed(size: int, seed: int) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        make_cohort(size, seed, path)
        start = time.perf_counter()
        subs, _ = load_folder(path, "code", set())
        result = compare(subs, kind="code")
        seconds = time.perf_counter() - start
    return seconds, sum(p.flagged for p in result.pairs), len(result.distribution)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--size", type=int, default=500)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # copydetect warns about every plain-text file
    totals = evaluate()
    f1 = {}
    for tool, kinds in totals.items():
        for kind, (tp, fp, fn) in kinds.items():
            p, r, f = prf(tp, fp, fn)
            print(f"{tool:<10} {kind:<4} precision={p:.3f} recall={r:.3f} f1={f:.3f}")
        all_counts = [sum(c) for c in zip(*kinds.values(), strict=True)]
        p, r, f1[tool] = prf(*all_counts)
        print(f"{tool:<10} all  precision={p:.3f} recall={r:.3f} f1={f1[tool]:.3f}")
    seconds, flagged, pairs = timed(args.size, args.seed)
    print(f"{args.size} code submissions: {seconds:.2f} s ({pairs} pairs, {flagged} flagged)")
    ratio = f1["hirebench"] / f1["copydetect"] if f1["copydetect"] else float("inf")
    print(f"ratios: f1={f1['hirebench']:.3f} f1/copydetect={ratio:.2f} seconds_500={seconds:.2f}")


if __name__ == "__main__":
    main()
