"""Demo portfolios, reviews and interviews, so a new user finds the review queue, the flagged
disagreement and the agreement figures already populated. Runs once; a re-run adds nothing.

After seeding, reviewer@demo.local has nothing open, so candidate1's first upload goes to
them; interviewer@demo.local has candidate1's interview still to score. The exam's answers
are compared once for similarity, so the integrity pages show runs and a flagged pair."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import nbformat
import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.integrity import jobs as integrity_jobs
from hirebench.integrity import service as integrity
from hirebench.interviews import service as interviews
from hirebench.jobs.service import get_or_create
from hirebench.models import (
    Exam,
    Interview,
    InterviewKit,
    Portfolio,
    ReviewItem,
    ReviewKind,
    SimilarityRun,
    User,
)
from hirebench.portfolios import service as portfolios
from hirebench.reviews import workflow
from hirebench.services import accounts
from hirebench.services import feedback as feedback_service

KIT_STAGE = "behavioural-1"
KIT_QUESTIONS = [
    "ambiguous-annotation-cases",
    "model-needs-changing",
    "business-vs-algorithm",
]


def _user(email: str) -> User:
    user = accounts.find_by_email(email)
    assert user is not None, email
    return user


def _notebook() -> bytes:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(
            "# Label-noise audit\nShare of disagreeing labels per class."
        ),
        nbformat.v4.new_code_cell(
            "import pandas as pd\nlabels = pd.read_csv('labels.csv')\n"
            "labels.groupby('label')['agree'].mean()",
            outputs=[
                nbformat.v4.new_output(
                    "execute_result",
                    {"text/plain": "label\nbrowse    0.97\nclick     0.88\npurchase  0.99"},
                    execution_count=1,
                )
            ],
        ),
    ]
    return nbformat.writes(notebook).encode()


def _pdf(title: str, lines: Sequence[str], bars: Sequence[tuple[str, float]]) -> bytes:
    """A one-page PDF report written by hand: a title, lines of text and a bar chart, in the
    standard Helvetica (nothing to embed), so that the demo's review page shows a PDF."""

    def text(x: int, y: int, size: int, words: str) -> str:
        escaped = words.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"BT /F1 {size} Tf {x} {y} Td ({escaped}) Tj ET"

    ops = [text(56, 770, 18, title)]
    ops += [text(56, 736 - 18 * n, 11, line) for n, line in enumerate(lines)]
    top = max(value for _label, value in bars)
    for n, (label, value) in enumerate(bars):
        x, height = 80 + 70 * n, round(220 * value / top)
        ops += [f"0.14 0.35 0.84 rg {x} 380 40 {height} re f", "0 g"]
        ops += [text(x + 4, 364, 10, label), text(x + 6, 386 + height, 10, f"{value:g}%")]
    ops.append("0.6 G 60 380 m 420 380 l S")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


_RELEVANCE_REPORT = _pdf(
    "Search relevance judgements: summary",
    [
        "25,000 query-product pairs rated on a 4-point scale (0 irrelevant - 3 exact).",
        "Ambiguous queries were split by intent before rating; see the guideline section 4.",
        "Weekly calibration: 50 gold pairs per rater, disputes settled by a senior rater.",
        "Below: the share of disputed judgements per week.",
    ],
    [("week 1", 9.0), ("week 2", 7.2), ("week 3", 5.1), ("week 4", 4.0)],
)

_CASES: dict[str, tuple[portfolios.CaseFields, list[tuple[str, bytes]]]] = {
    "candidate6@demo.local": (
        portfolios.CaseFields(
            title="多模态商品标注质检 / Product-image labelling QA",
            description="Built the QA sampling plan for 300k product-image labels and the "
            "scripts that find label drift between annotator groups.",
            role="QA owner: wrote the sampling scripts and the weekly drift report.",
            data_volume="300,000 labelled images",
            results="Label error rate 6.1% → 2.3% over eight weeks.",
        ),
        [("qa_report.md", "# QA report\n抽样检查，每周报告标注漂移。\n".encode())],
    ),
    "candidate3@demo.local": (
        portfolios.CaseFields(
            title="电商评论情感标注 / Review sentiment labelling",
            description="Labelled product reviews as positive, neutral or negative.",
            role="Annotator in a team of five.",
            data_volume="8,000 reviews",
            results="Finished on time.",
        ),
        [("notes.md", b"# Notes\nWe labelled reviews. Hard cases were skipped.\n")],
    ),
    "candidate4@demo.local": (
        portfolios.CaseFields(
            title="推荐系统点击日志清洗与标注规范 / Click-log cleaning and guideline",
            description=(
                "Cleaned 30 days of click logs, wrote the annotation guideline for purchase "
                "intent, and ran weekly agreement checks with the algorithm team."
            ),
            role="Owned the guideline and the quality checks; led three annotators.",
            data_volume="1.2 million events, 40,000 labelled sessions",
            results="Recommendation accuracy +20% (offline NDCG@10 0.31 → 0.37); label "
            "agreement kappa 0.62 → 0.84.",
            repo_url="https://example.com/demo/click-log-guideline",
        ),
        [
            ("label_audit.ipynb", _notebook()),
            ("agreement.csv", b"week,kappa\n1,0.62\n2,0.71\n3,0.80\n4,0.84\n"),
            ("guideline.md", "# 购买意图标注规范\n1. 机器人流量一律标为 browse。\n".encode()),
        ],
    ),
    "candidate5@demo.local": (
        portfolios.CaseFields(
            title="Search relevance judgements",
            description="Rated query–product relevance on a 4-point scale and proposed new "
            "rules for ambiguous queries.",
            role="Senior rater; wrote the ambiguous-query section of the guideline.",
            data_volume="25,000 query–product pairs",
            results="Disputed judgements fell from 9% to 4%.",
        ),
        [
            ("summary.md", b"# Summary\nAmbiguous queries were split by intent.\n"),
            ("relevance_report.pdf", _RELEVANCE_REPORT),
        ],
    ),
}

# (reviewer email, level for every criterion) per candidate's portfolio; candidate5's two
# reviews disagree, so the item is flagged and a tie-break goes to reviewer3.
_PORTFOLIO_REVIEWS: dict[str, list[tuple[str, int]]] = {
    "candidate3@demo.local": [("reviewer@demo.local", 2), ("reviewer2@demo.local", 2)],
    "candidate4@demo.local": [("reviewer@demo.local", 5), ("reviewer3@demo.local", 4)],
    "candidate5@demo.local": [("reviewer@demo.local", 5), ("reviewer2@demo.local", 1)],
    "candidate6@demo.local": [("reviewer2@demo.local", 4), ("reviewer3@demo.local", 4)],
}
# Exam free-text answers: (reviewer, level) pairs per candidate.
_EXAM_REVIEWS: dict[str, list[tuple[str, int]]] = {
    "candidate3@demo.local": [("reviewer2@demo.local", 2), ("reviewer3@demo.local", 2)],
    "candidate4@demo.local": [("reviewer2@demo.local", 4), ("reviewer3@demo.local", 4)],
    "candidate6@demo.local": [("reviewer2@demo.local", 1), ("reviewer3@demo.local", 1)],
}


def seed_reviews_and_interviews(job_title: str) -> None:
    """Portfolios, reviews and interviews for the demo candidates of the job titled so (the
    caller, services.demo, names it: this module does not import its caller)."""
    if db.session.scalar(sa.select(sa.func.count(Portfolio.id))):
        return
    hr = _user("hr@demo.local")
    for email, (fields, files) in _CASES.items():
        case = portfolios.create_case(_user(email), fields, files, ip="127.0.0.1")
        item = portfolios.review_item_of(case)
        assert item is not None
        _review(item, _PORTFOLIO_REVIEWS[email], hr)
    for email, plan in _EXAM_REVIEWS.items():
        items = db.session.scalars(
            sa.select(ReviewItem).where(
                ReviewItem.candidate_id == _user(email).id,
                ReviewItem.kind != ReviewKind.portfolio,
            )
        )
        for item in items:
            _review(item, plan, hr)
    _seed_interviews(hr, job_title)
    _seed_feedback(hr, job_title)
    _seed_similarity(hr)


def _seed_similarity(hr: User) -> None:
    """Compare the exam's closed attempts once, as HR asking from the integrity page would;
    the worker's code carries the runs out here, in a second or two."""
    if db.session.scalar(sa.select(sa.func.count(SimilarityRun.id))):
        return
    for exam in db.session.scalars(sa.select(Exam).order_by(Exam.id)):
        integrity.queue_exam(exam, requested_by=hr, ip="127.0.0.1")
    db.session.commit()
    integrity_jobs.run_queued()


def _review(item: ReviewItem, plan: Sequence[tuple[str, int]], hr: User) -> None:
    """Put exactly the planned reviewers on the item, then submit their reviews."""
    planned = {_user(email).id for email, _level in plan}
    for assignment in list(item.assignments):
        if assignment.reviewer_id not in planned:
            workflow.unassign(assignment, by=hr)
    for email, _level in plan:
        reviewer = _user(email)
        if not any(a.reviewer_id == reviewer.id for a in item.assignments):
            workflow.assign(item, reviewer, by=hr)
    item.required_reviews = len(plan)
    db.session.commit()
    for email, level in plan:
        assignment = workflow.assignment_for(item.id, _user(email))
        criteria = workflow.criteria_of(item)
        levels = {c.id: min(level + (i % 2 if level < 5 else 0), 5) for i, c in enumerate(criteria)}
        comments = {criteria[0].id: _COMMENTS[level]}
        workflow.submit_review(assignment, levels, comments, _REVIEW_SUMMARIES[level])


# The reviewer's overall word, which the compare page shows beside the score.
_REVIEW_SUMMARIES: Mapping[int, str] = {
    1: "Not enough evidence to judge the work; ask for the actual guideline or report.",
    2: "Routine labelling work; little sign of owning quality.",
    3: "Adequate work; the quality checks are described but not measured.",
    4: "Solid, measured quality work; would like to see online impact.",
    5: "Strong ownership of the guideline and its quality checks; results are measured.",
}
_COMMENTS: Mapping[int, str] = {
    1: "No evidence of the claimed results; the role is unclear.",
    2: "Describes the task but not how quality was checked.",
    4: "Clear guideline work with measured agreement; impact measured offline only.",
    5: "Owns the guideline end to end, with before/after metrics and how they were measured.",
}


def _seed_interviews(hr: User, job_title: str) -> None:
    job = get_or_create(job_title)
    kit = db.session.scalar(
        sa.select(InterviewKit).where(
            InterviewKit.job_id == job.id, InterviewKit.stage == KIT_STAGE
        )
    ) or interviews.create_kit(
        job, KIT_STAGE, "Behavioural interview · 行为面试", KIT_QUESTIONS, by=hr
    )
    panel = [_user("interviewer@demo.local"), _user("interviewer2@demo.local")]
    # (candidate, {interviewer: (question ratings, recommendation)}); candidate1 still
    # waits for interviewer@demo.local.
    plans: dict[str, dict[str, tuple[list[int], str]]] = {
        "candidate4@demo.local": {
            "interviewer@demo.local": ([5, 4, 4], "strong_yes"),
            "interviewer2@demo.local": ([4, 4, 5], "yes"),
        },
        "candidate3@demo.local": {
            "interviewer@demo.local": ([2, 2, 3], "no"),
            "interviewer2@demo.local": ([2, 1, 2], "strong_no"),
        },
        "candidate1@demo.local": {"interviewer2@demo.local": ([4, 3, 4], "yes")},
        "candidate6@demo.local": {
            "interviewer@demo.local": ([4, 2, 3], "yes"),
            "interviewer2@demo.local": ([4, 2, 2], "yes"),
        },
    }
    for email, cards in plans.items():
        interview: Interview = interviews.schedule(kit, _user(email), panel, None, by=hr)
        for interviewer_email, (ratings, verdict) in cards.items():
            questions = {
                q["id"]: {"rating": r, "notes": _NOTES[r]}
                for q, r in zip(kit.questions, ratings, strict=True)
            }
            # Each kit question probes one competency; rate the competency as its answer.
            competencies = {q["competency"]: r for q, r in zip(kit.questions, ratings, strict=True)}
            interviews.submit_scorecard(
                interview,
                _user(interviewer_email),
                question_ratings=questions,
                competency_ratings=competencies,
                recommendation=verdict,
                summary=_INTERVIEW_SUMMARIES[verdict],
            )


_NOTES = {
    1: "No concrete example; blamed the other team.",
    2: "Generic answer; no result described.",
    3: "A real situation and action, but the result was vague.",
    4: "Clear STAR story with a measured outcome.",
    5: "Specific, owned the outcome, and described what they would change next time.",
}
# The interviewer's overall word per verdict, which the compare page shows beside it.
_INTERVIEW_SUMMARIES = {
    "strong_yes": "Concrete examples with measured results; owns outcomes. 沟通清楚，推荐录用。",
    "yes": "Good examples, though results were not always measured.",
    "no": "Answers stayed general; could not say how quality was checked.",
    "strong_no": "No concrete example in any answer; blamed others for a missed deadline.",
}

# Feedback from HR and the business department, as the scorecard and compare pages show it.
_FEEDBACK = [
    (
        "candidate4@demo.local",
        "business@demo.local",
        "我们组很需要能自己写标注规范的人，希望尽快安排终面。",
    ),
    ("candidate4@demo.local", "hr@demo.local", "Salary expectation is at the top of the band."),
    ("candidate6@demo.local", "hr@demo.local", "Strong QA background; communication fell short."),
]


def _seed_feedback(hr: User, job_title: str) -> None:
    job = get_or_create(job_title)
    for candidate, author, text in _FEEDBACK:
        feedback_service.add_feedback(_user(candidate), job, _user(author), text)
