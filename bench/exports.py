"""Scorecard export speed on synthetic data: 1,000 realistic cards, 4 stages, 4 competencies.

  (a) xlsx   `table` + `to_xlsx` for 1,000 candidates (target <= 3 s); baselines in this
             process: `to_csv` of the same rows, and openpyxl writing the same cells in normal
             (not write-only) mode
  (b) pdf    one `scorecard_pdf` (target <= 1 s): the first (cold) run and the median of 5 warm
             runs; baseline: WeasyPrint rendering a trivial one-line page
  (c) dashboard  GET /hr/jobs/<id> over 1,000 stored scorecards, in process, so the time is
             server time (target <= 300 ms); baseline: the HR home page

Prints the figures, then a last line of ratios against the baselines, measured in this process
because these 2-core machines are noisy. Each measurement is a function in MEASUREMENTS that
takes the app and returns named figures; add one there to extend the script.
Usage: python bench/exports.py [--candidates N] [--runs N]"""

from __future__ import annotations

import argparse
import io
import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402

from hirebench.scorecards.exports import Columns  # noqa: E402

COLUMNS = Columns(
    stages=[
        ("written_test", "Written test"),
        ("portfolio", "Portfolio"),
        ("interview", "Behavioural interview"),
        ("assessment", "Assessments"),
    ],
    competencies=[
        ("technical", "Technical skill · 技术能力"),
        ("communication", "Communication · 沟通"),
        ("judgement", "Annotation judgement · 标注判断"),
        ("ownership", "Ownership · 责任心"),
    ],
)
WEIGHTS = {"written_test": 30.0, "portfolio": 30.0, "interview": 25.0, "assessment": 15.0}
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军"]
ENGLISH = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov"]
ARGS = argparse.Namespace(candidates=1000, runs=5)


def synthetic_card(rng: random.Random, candidate_id: int) -> dict[str, Any]:
    name = (
        rng.choice(ENGLISH)
        if candidate_id % 4 == 0
        else rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
    )
    stages = {}
    for stage_id, title in COLUMNS.stages:
        missing = rng.random() < 0.1
        stages[stage_id] = {
            "title": title,
            "score": None if missing else round(rng.uniform(30, 100), 2),
            "status": "missing" if missing else rng.choice(["complete", "complete", "partial"]),
            "weight": WEIGHTS[stage_id],
            "detail": "no evidence yet" if missing else "58.0 of 80 points",
        }
    competencies = {
        competency_id: {
            "title": title,
            "score": None if rng.random() < 0.08 else round(rng.uniform(25, 100), 2),
            "evidence": [{"source": "exam", "label": "data-cleaning", "score": 83.3, "weight": 30}],
        }
        for competency_id, title in COLUMNS.competencies
    }
    composite = round(rng.uniform(40, 95), 2)
    return {
        "candidate_id": candidate_id,
        "name": name,
        "email": f"candidate{candidate_id}@demo.local",
        "job_id": 1,
        "job_title": "AI Trainer — e-commerce",
        "profile_version": 2,
        "stages": stages,
        "competencies": competencies,
        "composite": composite,
        "recommendation": {
            "code": "hire_with_training",
            "label": "Hire, with training in communication",
            "reasons": [
                f"Composite {composite:.1f} ≥ hire cut-off 70",
                "Communication 48 < floor 60: interview rating 2/5",
            ],
            "competencies": ["communication"],
        },
        "flags": [{"code": "integrity", "message": "Exam integrity signals: tab switches"}]
        if candidate_id % 7 == 0
        else [],
        "feedback": [
            {
                "source": "hr",
                "author": "王芳",
                "text": "strong technically, communication needs work; 沟通需要加强。" * 3,
                "at": "2026-11-26T09:00:00",
            },
            {
                "source": "interview",
                "author": "Grace Hopper",
                "text": "Clear reasoning on the annotation edge cases. " * 6,
                "at": "2026-11-25T15:00:00",
            },
        ],
        "computed_at": "2026-11-26T09:30:00",
    }


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure_xlsx(app: Flask) -> dict[str, float]:
    from openpyxl import Workbook

    from hirebench.scorecards import exports

    rng = random.Random(7)  # noqa: S311  (synthetic data, reproducible)
    cards = [synthetic_card(rng, i) for i in range(1, ARGS.candidates + 1)]

    def export() -> bytes:
        header, rows = exports.table(COLUMNS, cards)
        return exports.to_xlsx(header, rows, "Scorecards")

    def normal_mode() -> None:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(header)
        for row in rows:
            sheet.append([exports.xlsx_value(v) for v in row])
        workbook.save(io.BytesIO())

    with app.test_request_context():
        header, rows = exports.table(COLUMNS, cards)
        xlsx = statistics.median(timed(export) for _ in range(3))
        csv = statistics.median(timed(lambda: exports.to_csv(header, rows)) for _ in range(3))
        normal = statistics.median(timed(normal_mode) for _ in range(3))
        size = len(export())
    print(
        f"(a) xlsx   table + to_xlsx, {len(cards)} candidates: {xlsx:.3f} s "
        f"({size / 1024:.0f} KiB, target <= 3 s)"
    )
    print(f"           baseline to_csv of the same rows:        {csv:.3f} s")
    print(f"           baseline openpyxl normal mode, same cells: {normal:.3f} s")
    return {"xlsx_s": xlsx, "csv_s": csv, "xlsx_normal_s": normal}


def measure_pdf(app: Flask) -> dict[str, float]:
    import weasyprint

    from hirebench.scorecards import exports

    card = synthetic_card(random.Random(11), 1)  # noqa: S311
    card["name"] = "张伟"
    with app.test_request_context():
        cold = timed(lambda: exports.scorecard_pdf(card, COLUMNS))
        warm = [timed(lambda: exports.scorecard_pdf(card, COLUMNS)) for _ in range(ARGS.runs)]
    trivial = [
        timed(lambda: weasyprint.HTML(string="<p>Hello</p>").write_pdf()) for _ in range(ARGS.runs)
    ]
    print(
        f"(b) pdf    scorecard_pdf: cold {cold:.3f} s, warm p50 {statistics.median(warm):.3f} s "
        f"(min {min(warm):.3f}, n={len(warm)}, target <= 1 s)"
    )
    print(f"           baseline trivial one-line page:   p50 {statistics.median(trivial):.3f} s")
    return {
        "pdf_cold_s": cold,
        "pdf_s": statistics.median(warm),
        "trivial_s": statistics.median(trivial),
    }


def _seed_dashboard(app: Flask, candidates: int) -> int:
    """A job with the shipped profile and `candidates` applicants whose stored scorecards
    come from compute() on synthetic evidence. Returns the job id."""
    from hirebench.extensions import db
    from hirebench.jobs.profile_file import load_profile_file
    from hirebench.jobs.service import save_profile
    from hirebench.models import Application, CandidateScorecard, Role, User
    from hirebench.scorecards.compute import Evidence, Item, StageResult, compute
    from hirebench.scorecards.service import summarize
    from hirebench.services import accounts

    rng = random.Random(5)  # noqa: S311  (synthetic data, reproducible)
    with app.app_context():
        db.create_all()
        hr = User(email="hr@bench.local", name="HR", role=Role.hr)
        accounts.set_password(hr, "bench password 1")
        db.session.add(hr)
        profile = save_profile(load_profile_file(ROOT / "exams/jobs/ai-trainer-ecommerce.yaml"))
        definition = profile.definition
        from hirebench.jobs.profile import JobProfileDefinition

        parsed = JobProfileDefinition.from_json(definition)
        for n in range(candidates):
            user = User(email=f"c{n}@bench.local", name=f"候选人 {n}", role=Role.candidate)
            db.session.add(user)
            db.session.flush()
            application = Application(candidate_id=user.id, job_id=profile.job_id)
            db.session.add(application)
            db.session.flush()
            evidence = Evidence(user.id, user.name, user.email)
            for stage, _weight in parsed.stages:
                if rng.random() > 0.1:
                    evidence.stages[stage] = StageResult(rng.uniform(30, 100), "complete")
            for competency in parsed.competencies:
                evidence.items.append(
                    Item(competency.id, "exam", "bench", rng.uniform(25, 100), 1.0)
                )
            data = compute(parsed, profile.version, profile.job_id, evidence)
            db.session.add(
                CandidateScorecard(
                    application_id=application.id,
                    job_id=profile.job_id,
                    profile_id=profile.id,
                    composite=data["composite"],
                    recommendation=data["recommendation"]["code"],
                    summary=summarize(data),
                    data=data,
                )
            )
        db.session.commit()
        return profile.job_id


def measure_dashboard(app: Flask) -> dict[str, float]:
    """Server time of the job dashboard over 1,000 candidates (sorted and paged on the
    server, 100 rows shown), against the plain HR home page in the same process."""
    job_id = _seed_dashboard(app, ARGS.candidates)
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "hr@bench.local", "password": "bench password 1"}
    )
    assert response.status_code == 302, response.status_code

    def get(url: str) -> None:
        assert client.get(url).status_code == 200

    get(f"/hr/jobs/{job_id}")  # warm the template cache
    by_composite = [timed(lambda: get(f"/hr/jobs/{job_id}")) for _ in range(ARGS.runs)]
    by_competency = [
        timed(lambda: get(f"/hr/jobs/{job_id}?sort=c:communication&order=asc"))
        for _ in range(ARGS.runs)
    ]
    home = [timed(lambda: get("/hr/")) for _ in range(ARGS.runs)]
    dashboard = statistics.median(by_composite)
    print(
        f"(c) dashboard {ARGS.candidates} candidates: p50 {dashboard * 1000:.0f} ms by composite, "
        f"{statistics.median(by_competency) * 1000:.0f} ms by a competency (target <= 300 ms)"
    )
    print(
        f"           baseline HR home page:            p50 {statistics.median(home) * 1000:.0f} ms"
    )
    return {
        "dashboard_s": dashboard,
        "dashboard_sorted_s": statistics.median(by_competency),
        "home_s": statistics.median(home),
    }


MEASUREMENTS: list[Callable[[Flask], dict[str, float]]] = [
    measure_xlsx,
    measure_pdf,
    measure_dashboard,
]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--candidates", type=int, default=ARGS.candidates)
    parser.add_argument("--runs", type=int, default=ARGS.runs)
    parser.parse_args(namespace=ARGS)

    from hirebench import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                "GRADING_WORKERS": 0,
                "RATELIMIT_ENABLED": False,
                "WTF_CSRF_ENABLED": False,
            }
        )
        logging.getLogger("weasyprint").setLevel(logging.WARNING)  # one INFO line per step
        figures: dict[str, float] = {}
        for measure in MEASUREMENTS:
            figures |= measure(app)
    print(
        f"ratios: xlsx_1000_s={figures['xlsx_s']:.3f} pdf_s={figures['pdf_s']:.3f} "
        f"xlsx/csv={figures['xlsx_s'] / figures['csv_s']:.2f} "
        f"pdf/trivial={figures['pdf_s'] / figures['trivial_s']:.2f} "
        f"dashboard_ms={figures['dashboard_s'] * 1000:.0f} "
        f"dashboard/home={figures['dashboard_s'] / figures['home_s']:.2f}"
    )


if __name__ == "__main__":
    main()
