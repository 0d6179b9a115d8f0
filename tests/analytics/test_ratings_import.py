"""`hirebench performance import FILE --job ID --scale 1-5` (CSV and XLSX): the docs' example,
every bad input named by file, row and column with nothing stored, and the analytics
commands on hirebench's own data (`--job`, `--exam`, `funnel`)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner

from hirebench.analytics import gather, service
from hirebench.analytics.funnel import funnel
from hirebench.analytics.items import item_analysis
from hirebench.extensions import db
from hirebench.jobs import service as job_service
from hirebench.models import AuditEvent, PerformanceRating
from hirebench.paths import PROJECT_ROOT
from tests.analytics.helpers import T0, candidate, cohort, hire, make_job, rate
from tests.analytics.test_gather import attempt, load_items_exam

EXAMPLE = PROJECT_ROOT / "docs" / "examples" / "analytics" / "ratings.csv"
HIRES = ("li.na@example.com", "wang.hao@example.com", "chen.yu@example.com")


@pytest.fixture
def job_id(app: Flask) -> int:
    """A job with the example file's three hires, one applicant not hired, and one rating
    already stored for wang.hao on 2025-06-30."""
    with app.app_context():
        job = make_job()
        for k, email in enumerate((*HIRES, "not.hired@example.com")):
            user = candidate(email)
            application = job_service.ensure_application(user, job)
            db.session.flush()
            if k < 3:
                hire(application, T0)
            if email.startswith("wang"):
                rate(user, job, date(2025, 6, 30), 3)
        db.session.commit()
        return job.id


def count() -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(PerformanceRating)) or 0)


def run_import(runner: FlaskCliRunner, path: Path | str, job: int, scale: str = "1-5") -> Result:
    return runner.invoke(
        args=["performance", "import", str(path), "--job", str(job), "--scale", scale]
    )


def test_docs_example_imports_every_row(app: Flask, runner: FlaskCliRunner, job_id: int) -> None:
    result = run_import(runner, EXAMPLE, job_id)
    assert result.exit_code == 0, result.output
    assert "imported 5 ratings" in result.output
    with app.app_context():
        rows = db.session.scalars(
            sa.select(PerformanceRating)
            .where(PerformanceRating.rated_on > date(2025, 7, 1))
            .order_by(PerformanceRating.rated_on, PerformanceRating.id)
        ).all()
        assert [(r.rated_on, r.rating, r.kind) for r in rows][:2] == [
            (date(2025, 9, 1), 4.0, "probation"),
            (date(2025, 9, 15), 3.0, "probation"),
        ]
        assert len(rows) == 5 and count() == 6
        assert {(r.scale_min, r.scale_max) for r in rows} == {(1.0, 5.0)}
        assert rows[2].comment == "Needs coaching on the guidelines, especially edge cases"
        audited = db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "performance.rated")
        )
        assert audited == 5
        # The mean normalised rating is what the analyses read.
        li = next(r.candidate_id for r in rows if r.comment.startswith("Learns"))
        assert gather.performance_by_candidate(job_id)[li] == pytest.approx((75 + 87.5) / 2)


def test_xlsx_with_date_cells_and_numbers(
    app: Flask, runner: FlaskCliRunner, job_id: int, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Email", "Rated_on", "Rating", "Kind", "Comment", "Manager"])
    sheet.append(["li.na@example.com", datetime(2025, 9, 1), 8, "probation", None, "Zhou"])
    sheet.append([None, None, None, None, None, None])  # blank rows are skipped
    sheet.append(["WANG.HAO@example.com", date(2025, 9, 2), 6.5, None, "ok", "Zhou"])
    path = tmp_path / "ratings.xlsx"
    book.save(path)
    result = run_import(runner, path, job_id, "1-10")
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.scalars(
            sa.select(PerformanceRating)
            .where(PerformanceRating.scale_max == 10)
            .order_by(PerformanceRating.id)
        ).all()
        assert [(r.rating, r.kind, r.scale_max) for r in rows] == [
            (8.0, "probation", 10.0),
            (6.5, "periodic", 10.0),
        ]


CSV_ERRORS = [
    (
        "email,rated_on,rating\nli.na@example.com,2025-09-01,6\n",
        "row 2, column 'rating': 6 is outside the scale 1-5",
    ),
    (
        "email,rated_on,rating\nli.na@example.com,2025-09-01,4\nnobody@example.com,2025-09-01,4\n",
        "row 3, column 'email': 'nobody@example.com' is not a known account",
    ),
    (
        "email,rated_on,rating\nnot.hired@example.com,2025-09-01,4\n",
        "row 2, column 'email': not.hired@example.com has no accepted offer for job",
    ),
    (
        "email,rated_on,rating\nli.na@example.com,2025-09-01,4\n\nli.na@example.com,2025-09-01,3\n",
        "row 4, column 'rated_on': a second rating of li.na@example.com on 2025-09-01: "
        "it is already on row 2",
    ),
    (
        "email,rated_on,rating\nwang.hao@example.com,2025-06-30,4\n",
        "row 2, column 'rated_on': wang.hao@example.com already has a stored rating on 2025-06-30",
    ),
    (
        "email,rated_on,rating\nli.na@example.com,2025-09-01,four\n",
        "row 2, column 'rating': 'four' is not a number",
    ),
    (
        "email,rating\nli.na@example.com,4\n",
        "row 1, column 'rated_on': missing column (the header has: email, rating)",
    ),
    (
        "email,rated_on,rating\nli.na@example.com,01/09/2025,4\n",
        "row 2, column 'rated_on': '01/09/2025' is not a date (YYYY-MM-DD)",
    ),
    (
        f"email,rated_on,rating\nli.na@example.com,{date.today() + timedelta(days=2)},4\n",
        "is in the future",
    ),
    (
        "email,rated_on,rating,kind\nli.na@example.com,2025-09-01,4,annual\n",
        "row 2, column 'kind': 'annual' is not one of probation, periodic",
    ),
    ("email,rated_on,rating\n", "row 2: no data rows under the header"),
]


@pytest.mark.parametrize(("text", "message"), CSV_ERRORS)
def test_bad_input_names_file_row_and_column_and_stores_nothing(
    app: Flask, runner: FlaskCliRunner, job_id: int, tmp_path: Path, text: str, message: str
) -> None:
    with app.app_context():
        before = count()
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    result = run_import(runner, path, job_id)
    assert result.exit_code == 1
    assert f"Error: {path}: " in result.output
    assert message in result.output
    with app.app_context():
        assert count() == before


def test_bad_scale_and_unknown_job(runner: FlaskCliRunner, job_id: int) -> None:
    for scale, message in (("5", "is not LOW-HIGH"), ("5-1", "has no range")):
        result = run_import(runner, EXAMPLE, job_id, scale)
        assert result.exit_code == 2 and message in result.output
    result = run_import(runner, EXAMPLE, 999)
    assert result.exit_code == 1 and "no job with id 999" in result.output


def test_xlsx_errors_name_the_row_and_column(
    runner: FlaskCliRunner, job_id: int, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["email", "rated_on", "rating"])
    sheet.append(["li.na@example.com", date(2025, 9, 1), 4])
    sheet.append(["chen.yu@example.com", date(2025, 9, 1), 0])
    path = tmp_path / "r.xlsx"
    book.save(path)
    result = run_import(runner, path, job_id)
    assert result.exit_code == 1
    assert f"{path}: row 3, column 'rating': 0 is outside the scale 1-5" in result.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    result = run_import(runner, broken, job_id)
    assert result.exit_code == 1 and "not a readable XLSX file" in result.output


# ------------------------------------------------------- the analyses on hirebench's data


def run_json(runner: FlaskCliRunner, *args: str) -> dict[str, object]:
    result = runner.invoke(args=["analytics", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_analytics_commands_on_a_job(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        made = cohort(make_job(), n=40, n_hired=32)
        job_id = made.job.id
        for i, user in enumerate(made.users):
            service.save_group_data(user, {"gender": "woman" if i % 2 else "man"})
        db.session.commit()
        expected_validity = service.validity_report(made.job)
        expected_funnel = funnel(gather.funnel_rows(made.job))
    assert run_json(runner, "validity", "--job", str(job_id)) == json.loads(
        json.dumps(expected_validity)
    )
    assert run_json(runner, "funnel", "--job", str(job_id)) == json.loads(
        json.dumps(expected_funnel)
    )
    adverse = run_json(runner, "adverse-impact", "--job", str(job_id))
    assert set(adverse["stages"]["invited"]["groups"]) == {"man", "woman"}  # type: ignore[index]
    table = runner.invoke(args=["analytics", "funnel", "--job", str(job_id)])
    assert table.exit_code == 0 and "median days to offer" in table.output


def test_exactly_one_source(runner: FlaskCliRunner, job_id: int) -> None:
    csv = str(PROJECT_ROOT / "docs" / "examples" / "analytics" / "validity.csv")
    both = runner.invoke(args=["analytics", "validity", "--from-csv", csv, "--job", str(job_id)])
    assert both.exit_code == 2 and "exactly one of --from-csv and --job" in both.output
    neither = runner.invoke(args=["analytics", "items"])
    assert neither.exit_code == 2 and "exactly one of --from-csv and --exam" in neither.output
    weights = runner.invoke(
        args=["analytics", "validity", "--job", str(job_id), "--weights", "interview=100"]
    )
    assert weights.exit_code == 2 and "--weights goes with --from-csv" in weights.output
    missing = runner.invoke(args=["analytics", "items", "--exam", "nope"])
    assert missing.exit_code == 1 and "no exam 'nope'" in missing.output


def test_items_on_an_exam(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    with app.app_context():
        exam = load_items_exam(tmp_path)
        for n in range(6):
            user = candidate(f"e{n}@example.com")
            right = n % 3 != 0
            attempt(
                exam,
                user,
                {
                    "q1": ("a" if right else "b", 1.0 if right else 0.0),
                    "q2": ("a", 1.0),
                    "q3": (2, 2.0 * (n % 2)),
                },
            )
        db.session.commit()
        data = gather.item_input(exam.versions[-1])
        expected = item_analysis(data.frame, data.key)
    assert run_json(runner, "items", "--exam", "items-test") == json.loads(json.dumps(expected))
    assert run_json(runner, "items", "--exam", "items-test", "--version", "1")["n"] == 6
    result = runner.invoke(args=["analytics", "items", "--exam", "items-test", "--version", "2"])
    assert result.exit_code == 1 and "has no version 2" in result.output
