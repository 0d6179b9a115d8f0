"""`compare()`: every pair of one question's submissions scored, flagged relative to the cohort,
with the matched fragments of the pairs a report shows (docs/integrity.md)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from hirebench.integrity import cohort, fragments, text, winnow
from hirebench.integrity.code import Tokens, normalise_python
from hirebench.integrity.report import Issue, PairResult, SimilarityResult, reported
from hirebench.integrity.submissions import Kind, Problem, Submission


@dataclass(frozen=True)
class Parameters:
    """The method's knobs; docs/integrity.md says why each has its value."""

    k: int = 8  # tokens per k-gram
    w: int = 6  # k-grams per winnowing window: any shared run of k + w - 1 tokens is found
    code_gap: int = 24  # tokens of junk between two matches that still merge them (~3 lines)
    text_gap: int = 16  # characters likewise (an inserted phrase)
    text_min: int = 12  # characters of the shortest text fragment shown
    common_fraction: float = 0.25  # a fingerprint held by more than this share of the cohort
    common_min: int = 5  # and by more than this many submissions is the task's, not evidence
    min_code_tokens: int = 40  # matched tokens a flagged pair has at least (about 5 lines)
    min_text_chars: int = 24  # matched characters likewise (a long clause)
    top: int = 20  # pairs a report lists at least
    code_rule: cohort.FlagRule = field(default=cohort.CODE_RULE)
    text_rule: cohort.FlagRule = field(default=cohort.TEXT_RULE)

    @property
    def guarantee(self) -> int:
        return self.k + self.w - 1


@dataclass
class _Doc:
    """One compared submission, ready for scoring and for fragments."""

    sub: Submission
    positions: np.ndarray  # a k-gram's or shingle's hash at each position
    starts: list[int]  # each token's (character's) first line
    ends: list[int]  # and last line
    counted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    offsets: list[int] | None = None  # text: each character's offset in the source


@dataclass
class _Prepared:
    docs: list[_Doc]
    issues: list[Issue]
    excluded: np.ndarray  # template, starter and common hashes
    unit: int
    details: dict[str, object]


def compare(
    submissions: Sequence[Submission | Problem],
    *,
    kind: Kind,
    template: str | None = None,
    starter: Iterable[str] = (),
    parameters: Parameters | None = None,
    top: int | None = None,
) -> SimilarityResult:
    """Score every pair of `submissions` (loaded by the functions of `submissions.py`); a
    `Problem` among them is reported, not compared. `template` and `starter` are code (or
    text) given to every candidate, subtracted before anything is counted. `top` overrides
    how many pairs are listed at least (flagged pairs are always listed)."""
    p = parameters or Parameters()
    subs, issues = _split(submissions)
    given = [t for t in (template, *starter) if t and t.strip()]
    if kind == "code":
        prepared = _prepare_code(subs, given, p)
        rule = p.code_rule
    else:
        prepared = _prepare_text(subs, given, p)
        rule = p.text_rule
    issues += prepared.issues
    docs = prepared.docs
    _remove_common(docs, prepared, p)
    if len(docs) < 2:
        issues.append(_too_few(docs, subs))
    scores, distribution = _score(docs, kind)
    threshold = rule.threshold(distribution)
    engine = _Fragments(docs, prepared, p, kind)
    least = p.min_code_tokens if kind == "code" else p.min_text_chars

    def flags(score: float, i: int, j: int) -> bool:
        return score >= threshold and engine.matched(i, j) >= least

    pairs = [
        PairResult(docs[i].sub.id, docs[j].sub.id, score, flagged, engine.between(i, j))
        for score, i, j, flagged in _listed(scores, len(docs), flags, top or p.top, engine)
    ]
    flagged = [(pair.a, pair.b) for pair in pairs if pair.flagged]
    return SimilarityResult(
        kind=kind,
        threshold=threshold,
        pairs=pairs,
        distribution=distribution.tolist(),
        clusters=cohort.clusters(flagged),
        problems=issues,
        parameters={**prepared.details, "floor": rule.floor, "mad_k": rule.k},
        fragments_of=engine.by_id,
    )


def _split(items: Sequence[Submission | Problem]) -> tuple[list[Submission], list[Issue]]:
    subs: list[Submission] = []
    issues: list[Issue] = []
    seen: set[str] = set()
    for item in items:
        if isinstance(item, Problem):
            issues.append(Issue(item.id, item.reason, compared=False))
        elif item.id in seen:
            issues.append(Issue(item.id, "a second submission with this id; not compared", False))
        else:
            seen.add(item.id)
            subs.append(item)
            issues.extend(Issue(item.id, note, compared=True) for note in item.notes)
    return subs, issues


def _too_few(docs: list[_Doc], subs: list[Submission]) -> Issue:
    if len(docs) == 1:
        return Issue(docs[0].sub.id, "the only submission that could be compared; no pairs", True)
    return Issue(None, f"no two submissions to compare ({len(subs)} given); no pairs", False)


def _shared_imports(tokens: list[Tokens]) -> set[str]:
    if len(tokens) < 2:
        return set()
    return set.intersection(*({key for key, _, _ in t.imports} for t in tokens))


def _prepare_code(subs: list[Submission], given: list[str], p: Parameters) -> _Prepared:
    issues: list[Issue] = []
    kept: list[tuple[Submission, Tokens]] = []
    for sub in subs:
        tokens = normalise_python(sub.text)
        if tokens.fallback:
            issues.append(Issue(sub.id, tokens.fallback, compared=True))
        if len(tokens.values) < p.k:
            reason = "empty submission" if not tokens.values else "too short to compare"
            issues.append(
                Issue(
                    sub.id,
                    f"{reason}: {len(tokens.values)} tokens after "
                    f"dropping comments and docstrings, fewer than {p.k}",
                    False,
                )
            )
            continue
        kept.append((sub, tokens))
    shared = _shared_imports([t for _, t in kept])
    template = np.unique(
        np.concatenate(
            [winnow.kgram_hashes(_values(normalise_python(g)), p.k) for g in given]
            or [np.zeros(0, dtype=np.uint64)]
        )
    )
    docs = []
    for sub, tokens in kept:
        tokens = tokens.without([(s, e) for key, s, e in tokens.imports if key in shared])
        hashes = winnow.kgram_hashes(_values(tokens), p.k)
        prints = np.unique(hashes[winnow.winnow(hashes, p.w)])
        docs.append(_Doc(sub, hashes, tokens.starts, tokens.ends, _drop(prints, template)))
    details = {"k": p.k, "w": p.w, "guarantee": p.guarantee, "shared_imports": sorted(shared)}
    return _Prepared(docs, issues, template, p.k, details)


def _values(tokens: Tokens) -> np.ndarray:
    return winnow.token_values(tokens.values)


def _drop(values: np.ndarray, dropped: np.ndarray) -> np.ndarray:
    return values[~np.isin(values, dropped)] if len(dropped) else values


def _prepare_text(subs: list[Submission], given: list[str], p: Parameters) -> _Prepared:
    issues: list[Issue] = []
    streams = []
    for sub in subs:
        chars = text.normalise_text(sub.text)
        if not chars.text:
            issues.append(Issue(sub.id, "empty submission: no letters or digits", False))
            continue
        streams.append((sub, chars))
    n = text.shingle_size([c for _, c in streams])
    vocabulary: dict[str, int] = {}
    docs = []
    for sub, chars in streams:
        ids = [vocabulary.setdefault(s, len(vocabulary)) for s in text.shingles(chars.text, n)]
        positions = np.array(ids, dtype=np.uint64)
        docs.append(
            _Doc(sub, positions, chars.lines, chars.lines, np.unique(positions), chars.offsets)
        )
    template_ids = {
        vocabulary[s]
        for g in given
        for s in text.shingles(text.normalise_text(g).text, n)
        if s in vocabulary
    }
    template = np.array(sorted(template_ids), dtype=np.uint64)
    for doc in docs:
        doc.counted = _drop(doc.counted, template)
    return _Prepared(docs, issues, template, n, {"shingle": n})


def _remove_common(docs: list[_Doc], prepared: _Prepared, p: Parameters) -> None:
    """Drop what more than half of the cohort holds: that is the task, not evidence."""
    limit = max(p.common_min, p.common_fraction * len(docs))
    frequency = winnow.document_frequency([d.counted for d in docs])
    common = np.array(sorted(h for h, c in frequency.items() if c > limit), dtype=np.uint64)
    for doc in docs:
        doc.counted = _drop(doc.counted, common)
    prepared.excluded = np.union1d(prepared.excluded, common)
    prepared.details["common_dropped"] = len(common)


def _triu_index(n: int, i: int, j: int) -> int:
    """Where pair (i < j) sits in `np.triu_indices(n, k=1)` order."""
    return i * n - i * (i + 1) // 2 + (j - i - 1)


def rarity(holders: int) -> float:
    """A fingerprint's weight: one held by two submissions is evidence about that pair; one
    held by g is spread over the g - 1 others each holder shares it with."""
    return 1.0 / max(1, holders - 1)


def _code_scores(docs: list[_Doc]) -> dict[tuple[int, int], float]:
    """Weighted Dice over fingerprints: the weight the two share over the mean of their total
    weights (each fingerprint weighted by `rarity`). Dead code added to a copy lowers it
    slowly, a small submission inside a big one is not a full match, and an idiom that a few
    honest solutions share counts less than material only the pair has."""
    prints = [d.counted for d in docs]
    frequency = winnow.document_frequency(prints)
    totals = [sum(rarity(frequency[h]) for h in p.tolist()) for p in prints]
    return {
        (i, j): 2 * shared / (totals[i] + totals[j])
        for (i, j), shared in winnow.shared_counts(prints, rarity).items()
    }


def _score(docs: list[_Doc], kind: Kind) -> tuple[dict[tuple[int, int], float], np.ndarray]:
    """Scores of the pairs that share anything counted, and every pair's score in
    `np.triu_indices` order (the cohort's distribution)."""
    n = len(docs)
    if kind == "code":
        scores = _code_scores(docs)
        distribution = np.zeros(n * (n - 1) // 2)
    else:
        sets = [set(d.counted.tolist()) for d in docs]
        signatures = text.signatures(sets)
        scores = {
            (i, j): text.jaccard(sets[i], sets[j])
            for i, j in text.candidate_pairs(signatures)
            if sets[i] and sets[j]
        }
        # Pairs LSH did not pair are far below the floor; their estimate stands in the
        # histogram, which needs every pair, while exact Jaccard is spent on candidates.
        distribution = text.estimated_jaccard(signatures)
        empty = np.array([not s for s in sets])
        if n > 1 and empty.any():
            left, right = np.triu_indices(n, k=1)
            distribution[empty[left] | empty[right]] = 0.0
    for (i, j), score in scores.items():
        distribution[_triu_index(n, i, j)] = score
    return {pair: score for pair, score in scores.items() if score > 0}, distribution


def _listed(
    scores: dict[tuple[int, int], float],
    n: int,
    flags: Callable[[float, int, int], bool],
    top: int,
    engine: _Fragments,
) -> list[tuple[float, int, int, bool]]:
    """The pairs a report shows (report.reported), topped up with pairs that share nothing
    when fewer than `top` share anything, as the JSON promises at least `top` pairs."""
    scored = [(score, i, j) for (i, j), score in scores.items()]
    for i, j in itertools.combinations(range(n), 2):
        if len(scored) >= top:
            break
        if (i, j) not in scores:
            scored.append((engine.unscored(i, j), i, j))
    return reported(scored, flags, top)


class _Fragments:
    """Fragments of a pair, computed when asked: a report needs them for a few pairs only."""

    def __init__(self, docs: list[_Doc], prepared: _Prepared, p: Parameters, kind: Kind):
        self.docs = docs
        self.kind = kind
        self.excluded = set(prepared.excluded.tolist())
        self.unit = prepared.unit
        self.index = {doc.sub.id: number for number, doc in enumerate(docs)}
        self.cache: dict[tuple[int, int], list[fragments.Match]] = {}
        if kind == "code":
            self.gap, self.min_length = p.code_gap, p.guarantee
        else:
            self.gap, self.min_length = p.text_gap, max(p.text_min, prepared.unit)

    def matches(self, i: int, j: int) -> list[fragments.Match]:
        if (i, j) in self.cache:
            return self.cache[i, j]
        a, b = self.docs[i], self.docs[j]
        shared = np.intersect1d(a.counted, b.counted)
        found = []
        if len(shared):
            found = fragments.find(
                a.positions,
                b.positions,
                self.excluded,
                unit=self.unit,
                gap=self.gap,
                min_length=self.min_length,
                required=shared,
            )
        self.cache[i, j] = found
        return found

    def between(self, i: int, j: int) -> list[fragments.Fragment]:
        a, b = self.docs[i], self.docs[j]
        spans = None if a.offsets is None or b.offsets is None else (a.offsets, b.offsets)
        return fragments.to_lines(self.matches(i, j), (a.starts, a.ends), (b.starts, b.ends), spans)

    def matched(self, i: int, j: int) -> int:
        """Tokens (characters) of matched material, the shorter side of each match."""
        return sum(m.length for m in self.matches(i, j))

    def unscored(self, i: int, j: int) -> float:
        """The score of a pair that was not scored: 0 for code (it shares no counted
        fingerprint); for text, the exact Jaccard of a pair LSH did not pair."""
        if self.kind == "code":
            return 0.0
        a, b = set(self.docs[i].counted.tolist()), set(self.docs[j].counted.tolist())
        return text.jaccard(a, b)

    def by_id(self, a: str, b: str) -> list[fragments.Fragment]:
        """Fragments of two compared submissions by id, A's lines first; KeyError if either
        was not compared."""
        return self.between(self.index[a], self.index[b])
