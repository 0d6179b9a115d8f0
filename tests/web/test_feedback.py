"""Feedback beyond HR's own: the interviewer's "Feedback for HR" on the interview page, the
candidate's short survey on the result page, and the feedback service refusing bad input with
a clear message and saving nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from werkzeug.test import TestResponse

from hirebench.exams.attempts import start_attempt, submit
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as gq
from hirebench.interviews import service as interviews
from hirebench.interviews.bank import load_bank_file
from hirebench.jobs.profile_file import load_profile_file
from hirebench.jobs.service import ensure_application, save_profile
from hirebench.models import (
    Attempt,
    AttemptStatus,
    AuditEvent,
    Exam,
    ExamSurvey,
    Feedback,
    Job,
    Role,
    User,
)
from hirebench.paths import PROJECT_ROOT
from hirebench.services import feedback as feedback_service
from hirebench.services.feedback import FeedbackError
from tests.conftest import AuthActions, csrf_from

BANK = PROJECT_ROOT / "exams" / "interviews" / "behavioural.yaml"
PROFILE = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
FIXTURES = PROJECT_ROOT / "tests" / "exams" / "fixtures"
QUESTIONS = ("ambiguous-annotation-cases", "model-needs-changing")
XSS = "<img src=x onerror=alert('fb')>"
GOOD_SURVEY = {
    "rating-clarity": "5",
    "rating-relevance": "4",
    "rating-fairness": "3",
    "rating-platform": "2",
}


def user(key: int) -> User:
    found = db.session.get(User, key)
    assert found is not None
    return found


def login(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def rows(app: Flask, model: type[Any]) -> list[Any]:
    with app.app_context():
        found = db.session.scalars(sa.select(model).order_by(model.id)).all()
        db.session.expunge_all()
        return list(found)


def audit_actions(app: Flask, action: str) -> int:
    with app.app_context():
        return len(
            db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()
        )


# ------------------------------------------------------------------- interviewer feedback


@dataclass(frozen=True)
class Panel:
    candidate: User
    ann: User  # on the panel
    bob: User  # on the panel too
    eve: User  # not on it
    business: User
    job_id: int
    interview_id: int


@pytest.fixture
def panel(app: Flask, make_user: Callable[..., User]) -> Panel:
    hr = make_user(Role.hr, email="hr@example.com", name="Hana HR")
    candidate = make_user(Role.candidate, email="cand@example.com", name="Li Lei")
    ann = make_user(Role.interviewer, email="ann@example.com", name="Ann")
    bob = make_user(Role.interviewer, email="bob@example.com", name="Bob")
    eve = make_user(Role.interviewer, email="eve@example.com", name="Eve")
    business = make_user(Role.business, email="bella@example.com", name="Bella")
    with app.app_context():
        interviews.load_bank(load_bank_file(BANK))
        profile = save_profile(load_profile_file(PROFILE))
        job = db.session.get(Job, profile.job_id)
        assert job is not None
        ensure_application(user(candidate.id), job)
        kit = interviews.create_kit(job, "behavioural-1", "Behavioural", QUESTIONS, by=user(hr.id))
        interview = interviews.schedule(
            kit, user(candidate.id), [user(ann.id), user(bob.id)], None, by=user(hr.id)
        )
        return Panel(candidate, ann, bob, eve, business, job.id, interview.id)


def post_interview_feedback(client: FlaskClient, interview_id: int, text: str) -> TestResponse:
    token = csrf_from(client.get("/interview/").get_data(as_text=True))
    return client.post(
        f"/interview/{interview_id}/feedback", data={"text": text, "csrf_token": token}
    )


def test_interview_page_has_the_feedback_form(app: Flask, panel: Panel) -> None:
    html = login(app, panel.ann.email).get(f"/interview/{panel.interview_id}")
    page = html.get_data(as_text=True)
    assert "Feedback for HR" in page
    assert f'action="/interview/{panel.interview_id}/feedback"' in page
    assert re.search(r'<textarea [^>]*id="text"[^>]* name="text"', page)
    assert "My earlier feedback" not in page


def test_interviewer_feedback_is_saved_and_shown_to_its_author_only(
    app: Flask, panel: Panel
) -> None:
    ann = login(app, panel.ann.email)
    response = post_interview_feedback(ann, panel.interview_id, "Explained rules\nvery clearly")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/interview/{panel.interview_id}#feedback")
    (saved,) = rows(app, Feedback)
    assert (saved.source, saved.author_id, saved.candidate_id, saved.job_id) == (
        "interviewer",
        panel.ann.id,
        panel.candidate.id,
        panel.job_id,
    )
    assert audit_actions(app, "feedback.add") == 1
    html = ann.get(f"/interview/{panel.interview_id}").get_data(as_text=True)
    assert "Feedback sent to HR." in html
    assert "My earlier feedback" in html
    assert '<p class="prewrap">Explained rules\nvery clearly</p>' in html
    # Another panellist sees only their own feedback, not Ann's.
    bob = login(app, panel.bob.email)
    html = bob.get(f"/interview/{panel.interview_id}").get_data(as_text=True)
    assert "Explained rules" not in html and "My earlier feedback" not in html


def test_interviewer_feedback_reaches_the_business_page_with_its_source(
    app: Flask, panel: Panel
) -> None:
    post_interview_feedback(login(app, panel.ann.email), panel.interview_id, "Hire her")
    business = login(app, panel.business.email)
    html = business.get(f"/business/jobs/{panel.job_id}/candidates/{panel.candidate.id}")
    page = html.get_data(as_text=True)
    assert '<article class="feedback" data-source="interviewer">' in page
    assert "Interviewer · Ann · " in page and "Hire her" in page


def test_interviewer_feedback_is_escaped(app: Flask, panel: Panel) -> None:
    ann = login(app, panel.ann.email)
    post_interview_feedback(ann, panel.interview_id, XSS)
    html = ann.get(f"/interview/{panel.interview_id}").get_data(as_text=True)
    assert XSS not in html and str(escape(XSS)) in html


def test_interviewer_not_on_the_panel_gets_404(app: Flask, panel: Panel) -> None:
    eve = login(app, panel.eve.email)
    response = post_interview_feedback(eve, panel.interview_id, "I was not there")
    assert response.status_code == 404
    assert post_interview_feedback(eve, 999, "no such interview").status_code == 404
    assert rows(app, Feedback) == []
    assert audit_actions(app, "interview.denied") == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "This field is required."),
        ("  \n ", "This field is required."),
        ("y" * 4001, "Field cannot be longer than 4000 characters."),
    ],
)
def test_bad_interviewer_feedback_rerenders_and_saves_nothing(
    app: Flask, panel: Panel, text: str, message: str
) -> None:
    ann = login(app, panel.ann.email)
    response = post_interview_feedback(ann, panel.interview_id, text)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Feedback for HR" in html
    assert rows(app, Feedback) == []


def test_interviewer_feedback_needs_the_csrf_token(app: Flask, panel: Panel) -> None:
    ann = login(app, panel.ann.email)
    response = ann.post(f"/interview/{panel.interview_id}/feedback", data={"text": "hi"})
    assert response.status_code == 400
    assert rows(app, Feedback) == []


# -------------------------------------------------------------------------------- survey


@dataclass(frozen=True)
class Exams:
    candidate: User
    other: User
    attempt_id: int  # the candidate's, submitted
    other_attempt_id: int  # the other candidate's, submitted


@pytest.fixture(autouse=True)
def _no_grading(app: Flask) -> Iterator[None]:
    # Nothing is answered, so nothing is queued; stop the embedded queue if it started anyway.
    yield
    gq.shutdown(app)


def _submitted_attempt(app: Flask, candidate: User, *, finish: bool = True) -> int:
    with app.app_context():
        exam = db.session.scalar(sa.select(Exam).where(Exam.slug == "mini"))
        assert exam is not None
        attempt = start_attempt(user(candidate.id), exam)
        if finish:
            submit(attempt)
        return attempt.id


@pytest.fixture
def exams(app: Flask, make_user: Callable[..., User]) -> Exams:
    candidate = make_user(Role.candidate, email="sam@example.com", name="Sam")
    other = make_user(Role.candidate, email="kim@example.com", name="Kim")
    with app.app_context():
        load_exam(FIXTURES / "exams" / "mini", FIXTURES / "graders")
    return Exams(
        candidate, other, _submitted_attempt(app, candidate), _submitted_attempt(app, other)
    )


def result_url(attempt_id: int) -> str:
    return f"/exam/attempts/{attempt_id}/result"


def post_survey(client: FlaskClient, attempt_id: int, form: dict[str, str]) -> TestResponse:
    token = csrf_from(client.get("/exam/").get_data(as_text=True))
    return client.post(f"/exam/attempts/{attempt_id}/survey", data={**form, "csrf_token": token})


def test_result_page_offers_the_survey(app: Flask, exams: Exams) -> None:
    client = login(app, exams.candidate.email)
    html = client.get(result_url(exams.attempt_id)).get_data(as_text=True)
    assert f'action="/exam/attempts/{exams.attempt_id}/survey"' in html
    for key, question in feedback_service.SURVEY_QUESTIONS.items():
        assert str(question) in html
        for level in range(1, 6):
            assert f'name="rating-{key}" value="{level}" required >' in html
    assert 'name="comment"' in html and "data-survey-done" not in html


def test_survey_is_saved_once_then_thanks(app: Flask, exams: Exams) -> None:
    client = login(app, exams.candidate.email)
    response = post_survey(
        client, exams.attempt_id, {**GOOD_SURVEY, "comment": "  Clear tasks.\r\nThanks "}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{result_url(exams.attempt_id)}#survey")
    (survey,) = rows(app, ExamSurvey)
    assert survey.attempt_id == exams.attempt_id
    assert survey.ratings == {"clarity": 5, "relevance": 4, "fairness": 3, "platform": 2}
    assert survey.comment == "Clear tasks.\nThanks"
    assert audit_actions(app, "survey.submit") == 1
    html = client.get(result_url(exams.attempt_id)).get_data(as_text=True)
    assert "data-survey-done" in html and "Thank you" in html
    assert "data-survey>" not in html and 'name="rating-clarity"' not in html
    # A second answer is refused and changes nothing.
    again = post_survey(client, exams.attempt_id, {**GOOD_SURVEY, "rating-clarity": "1"})
    assert again.status_code == 400
    page = again.get_data(as_text=True)
    assert "You have already answered the survey. Thank you!" in page
    assert "data-survey-done" in page
    assert [s.ratings["clarity"] for s in rows(app, ExamSurvey)] == [5]
    # The other candidate's attempt still has its own survey to answer.
    other = login(app, exams.other.email)
    html = other.get(result_url(exams.other_attempt_id)).get_data(as_text=True)
    assert "data-survey-done" not in html and "data-survey>" in html


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rating-fairness": ""}, "Rate “The exam felt fair.” from 1 to 5."),
        ({"rating-clarity": "6"}, "Rate “The instructions were clear.” from 1 to 5."),
        ({"rating-platform": "0"}, "Rate “The exam platform worked well.” from 1 to 5."),
        ({"rating-relevance": "abc"}, "Rate “The tasks were relevant to the job.” from 1 to 5."),
        ({"comment": "z" * 2001}, "The comment is limited to 2000 characters."),
    ],
)
def test_bad_survey_rerenders_with_the_message_and_the_choices(
    app: Flask, exams: Exams, change: dict[str, str], message: str
) -> None:
    client = login(app, exams.candidate.email)
    form = {**GOOD_SURVEY, "comment": "Kept comment", **change}
    response = post_survey(client, exams.attempt_id, form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert str(escape(message)) in html and "data-survey-error" in html
    # The result page itself is still there, with what the candidate chose kept.
    assert "Your result" in html
    for name, value in form.items():
        if name.startswith("rating-") and value in {"1", "2", "3", "4", "5"}:
            assert f'name="{name}" value="{value}" required checked>' in html
    if "comment" not in change:
        assert ">Kept comment</textarea>" in html
    assert rows(app, ExamSurvey) == []
    assert audit_actions(app, "survey.submit") == 0


def test_survey_of_another_candidates_attempt_is_404(app: Flask, exams: Exams) -> None:
    client = login(app, exams.candidate.email)
    assert post_survey(client, exams.other_attempt_id, GOOD_SURVEY).status_code == 404
    assert post_survey(client, 999, GOOD_SURVEY).status_code == 404
    assert rows(app, ExamSurvey) == []
    assert audit_actions(app, "attempt.denied") == 2


def test_survey_of_an_exam_in_progress_is_refused(
    app: Flask, exams: Exams, make_user: Callable[..., User]
) -> None:
    newcomer = make_user(Role.candidate, email="new@example.com")
    attempt_id = _submitted_attempt(app, newcomer, finish=False)
    client = login(app, newcomer.email)
    response = post_survey(client, attempt_id, GOOD_SURVEY)
    assert response.status_code == 400
    assert "The survey opens once the exam is submitted." in response.get_data(as_text=True)
    assert rows(app, ExamSurvey) == []


def test_survey_needs_the_csrf_token(app: Flask, exams: Exams) -> None:
    client = login(app, exams.candidate.email)
    response = client.post(f"/exam/attempts/{exams.attempt_id}/survey", data=GOOD_SURVEY)
    assert response.status_code == 400
    assert rows(app, ExamSurvey) == []


@pytest.mark.parametrize("role", [Role.business, Role.hr, Role.interviewer])
def test_staff_cannot_answer_a_survey(
    app: Flask, exams: Exams, make_user: Callable[..., User], role: Role
) -> None:
    client = login(app, make_user(role).email)
    token = csrf_from(client.get("/", follow_redirects=True).get_data(as_text=True))
    url = f"/exam/attempts/{exams.attempt_id}/survey"
    assert client.post(url, data={**GOOD_SURVEY, "csrf_token": token}).status_code == 403
    assert rows(app, ExamSurvey) == []


# ---------------------------------------------------------------------- service, bad input


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "candidate": make_user(Role.candidate, email="c@example.com"),
        "hr": make_user(Role.hr, email="h@example.com", name="Hana"),
        "business": make_user(Role.business, email="b@example.com"),
        "reviewer": make_user(Role.reviewer, email="r@example.com"),
    }


@pytest.mark.parametrize(
    ("author", "subject", "text", "message"),
    [
        ("hr", "candidate", "", "Write the feedback first."),
        ("hr", "candidate", " \r\n\t ", "Write the feedback first."),
        ("business", "candidate", "x" * 4001, "Feedback is limited to 4000 characters."),
        ("hr", "business", "Not a candidate", "Feedback can only be given on a candidate."),
        ("reviewer", "candidate", "Fine", "Your account cannot give feedback on candidates."),
        ("candidate", "candidate", "Me!", "Your account cannot give feedback on candidates."),
    ],
)
def test_add_feedback_refuses_bad_input_and_saves_nothing(
    app: Flask, people: dict[str, User], author: str, subject: str, text: str, message: str
) -> None:
    with app.test_request_context():
        job = Job(title="Some job")
        db.session.add(job)
        db.session.commit()
        with pytest.raises(FeedbackError) as caught:
            feedback_service.add_feedback(
                user(people[subject].id), job, user(people[author].id), text
            )
        assert str(caught.value) == message
        db.session.rollback()
    assert rows(app, Feedback) == []
    assert audit_actions(app, "feedback.add") == 0


def test_add_feedback_source_follows_the_role(app: Flask, people: dict[str, User]) -> None:
    with app.test_request_context():
        job = Job(title="Some job")
        db.session.add(job)
        db.session.commit()
        for author in ("hr", "business"):
            feedback_service.add_feedback(
                user(people["candidate"].id), job, user(people[author].id), f" by {author} "
            )
        found = feedback_service.feedback_for(user(people["candidate"].id), job)
        assert [(f.source, f.text) for f in found] == [("hr", "by hr"), ("business", "by business")]


@pytest.mark.parametrize(
    ("ratings", "comment", "message"),
    [
        ({"clarity": 5, "relevance": 5, "fairness": 5}, "", "Rate “The exam platform"),
        ({"clarity": 5, "relevance": 5, "fairness": 5, "platform": 6}, "", "from 1 to 5"),
        ({"clarity": "x", "relevance": 5, "fairness": 5, "platform": 5}, "", "clear.” from 1"),
        ({"clarity": None, "relevance": 5, "fairness": 5, "platform": 5}, "", "clear.” from 1"),
        ({"clarity": 5, "relevance": 5, "fairness": 5, "platform": 5}, "c" * 2001, "2000"),
    ],
)
def test_submit_survey_refuses_bad_input_and_saves_nothing(
    app: Flask, exams: Exams, ratings: dict[str, Any], comment: str, message: str
) -> None:
    with app.test_request_context():
        attempt = db.session.get(Attempt, exams.attempt_id)
        assert attempt is not None and attempt.status is not AttemptStatus.in_progress
        with pytest.raises(FeedbackError, match=re.escape(message)):
            feedback_service.submit_survey(attempt, ratings, comment)
        db.session.rollback()
    assert rows(app, ExamSurvey) == []
    assert audit_actions(app, "survey.submit") == 0


def test_submit_survey_refuses_an_open_attempt_and_a_second_answer(
    app: Flask, exams: Exams, make_user: Callable[..., User]
) -> None:
    newcomer = make_user(Role.candidate, email="open@example.com")
    open_id = _submitted_attempt(app, newcomer, finish=False)
    good = {key: 4 for key in feedback_service.SURVEY_QUESTIONS}
    with app.test_request_context():
        open_attempt = db.session.get(Attempt, open_id)
        assert open_attempt is not None
        with pytest.raises(FeedbackError, match="opens once the exam is submitted"):
            feedback_service.submit_survey(open_attempt, good, "")
        db.session.rollback()
        done = db.session.get(Attempt, exams.attempt_id)
        assert done is not None
        feedback_service.submit_survey(done, good, "")
        with pytest.raises(FeedbackError, match="already answered"):
            feedback_service.submit_survey(done, {**good, "clarity": 1}, "again")
        db.session.rollback()
    assert [s.ratings["clarity"] for s in rows(app, ExamSurvey)] == [4]
