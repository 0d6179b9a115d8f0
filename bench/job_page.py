"""HR's job page (the ranked table, GET /hr/jobs/<id>) over 1,000 candidates: server time of
its first page, which must stay under 100 ms (issue 17, "Speed holds").

A job with the shipped profile and 1,000 applicants whose stored scorecards come from
compute() on synthetic evidence (some stages missing, so partial composites rank apart; one in
seven with a flag; Chinese and English names). Each page is requested through the Flask test
client in this process, so the time is server time (routing, queries, rendering), not the
network's; every figure is the median of --runs requests after one warm-up.

  page1        the first page as HR opens it: ranked by composite, 100 rows (target < 100 ms)
  competency   sorted by a competency, ascending
  name         sorted by name
  filtered     a flag filter and a search together
  last         the last page (offset 900)

Baselines, measured in this process because these 2-core machines are noisy:

  plain        GET /account/password: a page through the same layout with almost no data
  python sort  what the page did before issue 17 to order the rows: load every scorecard's
               summary and sort them in Python (scorecards.dashboard before the SQL copies),
               against the SQL query that now returns the page (`dashboard.page`)

The last line: `ratios: page1_ms=... page1/plain=... sql/python_sort=...`.
Usage: python bench/job_page.py [--candidates N] [--runs N] [--database-url URL]"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy.orm import defer  # noqa: E402

from hirebench import create_app  # noqa: E402
from hirebench.extensions import db  # noqa: E402
from hirebench.jobs.profile_file import load_profile_file  # noqa: E402
from hirebench.jobs.service import definition_of, save_profile  # noqa: E402
from hirebench.models import Application, CandidateScorecard, Job, Role, User  # noqa: E402
from hirebench.scorecards import dashboard  # noqa: E402
from hirebench.scorecards.compute import (  # noqa: E402
    Evidence,
    Item,
    StageResult,
    compute,
    flag,
    rank_key,
)
from hirebench.scorecards.service import summarize  # noqa: E402
from hirebench.services import accounts  # noqa: E402

ARGS = argparse.Namespace(candidates=1000, runs=15, database_url="")
PASSWORD = "bench password 1"  # noqa: S105 - a throwaway account in a temporary database
PROFILE = ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "伟芳娜敏静磊洋艳勇军"
ENGLISH = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov"]


def _name(rng: random.Random, n: int) -> str:
    if n % 4 == 0:
        return f"{rng.choice(ENGLISH)} {n}"
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))


def seed(app: Flask, candidates: int) -> int:
    """The job, its HR user and `candidates` applicants with stored scorecards; its id."""
    rng = random.Random(17)  # noqa: S311  (synthetic data, reproducible)
    with app.app_context():
        db.create_all()
        hr = User(email="hr@bench.local", name="HR", role=Role.hr)
        accounts.set_password(hr, PASSWORD)
        db.session.add(hr)
        profile = save_profile(load_profile_file(PROFILE))
        job = db.session.get(Job, profile.job_id)
        assert job is not None
        definition = definition_of(job)
        assert definition is not None
        for n in range(candidates):
            user = User(email=f"c{n}@bench.local", name=_name(rng, n), role=Role.candidate)
            application = Application(candidate=user, job=job)
            db.session.add(application)
            db.session.flush()
            evidence = Evidence(user.id, user.name, user.email)
            for stage, _weight in definition.stages:
                if rng.random() > 0.15:
                    evidence.stages[stage] = StageResult(rng.uniform(30, 100), "complete")
            for competency in definition.competencies:
                score = rng.uniform(25, 100)
                evidence.items.append(Item(competency.id, "exam", "bench", score, 1.0))
            data = compute(definition, profile.version, job.id, evidence)
            if n % 7 == 0:
                data["flags"].append(flag("integrity", "Exam integrity signals: tab switches"))
            db.session.add(
                CandidateScorecard(
                    application=application,
                    job_id=job.id,
                    profile_id=profile.id,
                    composite=data["composite"],
                    recommendation=data["recommendation"]["code"],
                    summary=summarize(data),
                    data=data,
                )
            )
        db.session.commit()
        return job.id


def median_ms(action: Callable[[], object]) -> float:
    action()  # warm-up: templates compiled, statements cached
    times = []
    for _ in range(ARGS.runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def getter(client: FlaskClient, url: str) -> Callable[[], None]:
    def get() -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return get


def python_sort(job: Job) -> list[CandidateScorecard]:
    """The ranking as the page did it before: every summary loaded, sorted in Python."""
    cards = list(
        db.session.scalars(
            sa.select(CandidateScorecard)
            .where(CandidateScorecard.job_id == job.id)
            .options(defer(CandidateScorecard.data))
            .order_by(CandidateScorecard.id)
        )
    )
    cards.sort(key=lambda c: rank_key(c.composite, c.summary["stages"]))
    return cards[:100]


def measure_queries(app: Flask, job_id: int) -> dict[str, float]:
    with app.test_request_context():
        job = db.session.get(Job, job_id)
        assert job is not None

        def sql_page() -> None:
            db.session.expunge_all()
            dashboard.page(job, dashboard.Query(), 1, 100)

        def before() -> None:
            db.session.expunge_all()
            python_sort(job)

        return {"sql_ms": median_ms(sql_page), "python_sort_ms": median_ms(before)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--candidates", type=int, default=ARGS.candidates)
    parser.add_argument("--runs", type=int, default=ARGS.runs)
    parser.add_argument("--database-url", default="", help="an empty database (default SQLite)")
    parser.parse_args(namespace=ARGS)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": ARGS.database_url or f"sqlite:///{folder}/bench.db",
                "GRADING_WORKERS": 0,
                "RATELIMIT_ENABLED": False,
                "WTF_CSRF_ENABLED": False,
            }
        )
        job_id = seed(app, ARGS.candidates)
        client = app.test_client()
        login = client.post("/login", data={"email": "hr@bench.local", "password": PASSWORD})
        assert login.status_code == 302, login.status_code
        base = f"/hr/jobs/{job_id}"
        pages = {
            "page1": base,
            "competency": base + "?sort=c:communication&order=asc",
            "name": base + "?sort=name&order=asc",
            "filtered": base + "?flag=integrity&q=%E7%8E%8B",  # 王
            "last": base + f"?page={max(1, -(-ARGS.candidates // 100))}",
        }
        figures = {key: median_ms(getter(client, url)) for key, url in pages.items()}
        figures["plain"] = median_ms(getter(client, "/account/password"))
        figures |= measure_queries(app, job_id)
    engine = "PostgreSQL" if ARGS.database_url.startswith("postgres") else "SQLite"
    print(f"job page, {ARGS.candidates} candidates, {engine}, median of {ARGS.runs}:")
    for key in pages:
        target = "  (target < 100 ms)" if key == "page1" else ""
        print(f"  {key:<11} {figures[key]:7.1f} ms{target}")
    print(f"  baseline plain page      {figures['plain']:7.1f} ms")
    sql, python = figures["sql_ms"], figures["python_sort_ms"]
    print(f"  ordering: SQL page {sql:.1f} ms, Python sort {python:.1f} ms")
    page1 = figures["page1"]
    print(
        f"ratios: page1_ms={page1:.1f} page1/plain={page1 / figures['plain']:.2f} "
        f"sql/python_sort={sql / python:.2f}"
    )


if __name__ == "__main__":
    main()
