"""Resume screening quality and speed.

  (a) quality   extraction precision, recall and F1 per field over the evaluation set in
                bench/resumes/corpus (expected.json), target >= 0.9 for every field
  (b) screen    matching 10,000 already-extracted resumes against the demo job (target <= 5 s);
                baseline in this process: the same loop doing only ResumeFields.from_json
  (c) pdf       text + field extraction of the corpus PDFs on every core (target >= 20/s);
                baseline: the same PDFs' bytes hashed with sha256

The last line reads `ratios: min_field_f1=X screen_10k_s=Y pdf_per_s=Z`, then the ratios
against the baselines, measured in this process because these 2-core machines are noisy.
Usage: python bench/screening.py [--screen N] [--pdf-repeat N]"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hirebench.jobs.profile_file import load_profile_file  # noqa: E402
from hirebench.screening.fields import ResumeFields  # noqa: E402
from hirebench.screening.match import match  # noqa: E402
from hirebench.screening.parse import parse_resume  # noqa: E402
from hirebench.screening.text import ResumeFileError, extract_text  # noqa: E402

CORPUS = ROOT / "bench" / "resumes" / "corpus"
PROFILE = ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
FIELDS = ("name", "email", "phone", "skills", "skill_levels", "skill_years", "employers", "salary")


def items(fields: dict[str, Any], field: str) -> set[Any]:
    """One field of a to_json() result as a set of comparable items."""
    skills = fields.get("skills") or {}
    if field in ("name", "email", "phone"):
        value = fields.get(field)
        return {str(value).strip().lower()} if value else set()
    if field == "skills":
        return set(skills)
    if field == "skill_levels":
        return {(tag, c["level"]) for tag, c in skills.items() if c.get("level")}
    if field == "skill_years":
        return {(tag, float(c["years"])) for tag, c in skills.items() if c.get("years") is not None}
    if field == "employers":
        return {(e["name"], e.get("start"), e.get("end")) for e in fields.get("employers") or []}
    salary = fields.get("salary_expectation")
    return {(salary["min"], salary["max"], salary["period"])} if salary else set()


def extract(path: Path, today: date) -> dict[str, Any]:
    return parse_resume(extract_text(path.name, path.read_bytes()), today=today).to_json()


def quality(manifest: dict[str, Any]) -> dict[str, tuple[float, float, float]]:
    today = date.fromisoformat(manifest["today"])
    counts = {field: [0, 0, 0] for field in FIELDS}  # correct, extracted, expected
    for entry in manifest["resumes"]:
        try:
            got = extract(CORPUS / entry["file"], today)
        except ResumeFileError:
            got = {}
        for field in FIELDS:
            found, wanted = items(got, field), items(entry["expected"], field)
            counts[field][0] += len(found & wanted)
            counts[field][1] += len(found)
            counts[field][2] += len(wanted)
    scores = {}
    for field, (correct, extracted, expected) in counts.items():
        precision = correct / extracted if extracted else 1.0
        recall = correct / expected if expected else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[field] = (precision, recall, f1)
    return scores


def screen(manifest: dict[str, Any], count: int) -> tuple[float, float]:
    """Seconds to match `count` extracted resumes, and the baseline (decoding them only)."""
    profile = load_profile_file(PROFILE)
    today = date.fromisoformat(manifest["today"])
    stored = [entry["expected"] for entry in manifest["resumes"]]
    batch = [stored[i % len(stored)] for i in range(count)]
    started = time.perf_counter()
    decoded = [ResumeFields.from_json(data) for data in batch]
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    results = [match(ResumeFields.from_json(data), profile, today) for data in batch]
    elapsed = time.perf_counter() - started
    assert len(results) == len(decoded) == count
    return elapsed, baseline


def _extract_one(path: str) -> int:
    return len(extract(Path(path), date(2026, 11, 1))["skills"])


def _hash_one(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def throughput(paths: Iterable[Path], workers: int) -> tuple[float, float, int]:
    jobs = [str(p) for p in paths]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_extract_one, jobs[:workers]))  # start the workers before timing
        started = time.perf_counter()
        list(pool.map(_extract_one, jobs, chunksize=4))
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        list(pool.map(_hash_one, jobs, chunksize=4))
        baseline = time.perf_counter() - started
    return len(jobs) / elapsed, len(jobs) / baseline, len(jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--screen", type=int, default=10_000)
    parser.add_argument("--pdf-repeat", type=int, default=5, help="passes over the PDFs")
    args = parser.parse_args()
    manifest = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))

    scores = quality(manifest)
    print(f"(a) quality over {len(manifest['resumes'])} resumes")
    for field, (precision, recall, f1) in scores.items():
        print(f"    {field:<13} precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}")
    min_f1 = min(f1 for _p, _r, f1 in scores.values())

    elapsed, decode_only = screen(manifest, args.screen)
    print(
        f"(b) screen   {args.screen} extracted resumes: {elapsed:.3f} s (target <= 5 s); "
        f"baseline decoding only: {decode_only:.3f} s"
    )

    pdfs = sorted(CORPUS.glob("*.pdf")) * args.pdf_repeat
    workers = os.cpu_count() or 1
    per_s, hash_per_s, n = throughput(pdfs, workers)
    print(
        f"(c) pdf      {n} PDFs on {workers} cores: {per_s:.1f} PDFs/s (target >= 20); "
        f"baseline hashing: {hash_per_s:.0f}/s"
    )
    print(
        f"ratios: min_field_f1={min_f1:.3f} screen_10k_s={elapsed:.3f} pdf_per_s={per_s:.1f} "
        f"screen/decode={elapsed / decode_only:.2f} pdf/hash={per_s / hash_per_s:.3f}"
    )


if __name__ == "__main__":
    main()
