"""Input that used to break pages: text that is not valid Unicode (lone UTF-16 surrogates),
JSON of the wrong type, numbers too large for a float, ids beyond the database's integers.
Each is refused with a clear 4xx at the door, and text stored before that check still renders."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.exams import attempts
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.models import Answer, Attempt, Exam, Review, ReviewItem, Role, User
from hirebench.paths import PROJECT_ROOT
from tests.conftest import AuthActions, csrf_from

LONE = "gradient \ud83d descent"
LEVEL_FIELD = re.compile(r'name="(level-[^"]+)"')


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False}


@pytest.fixture
def sample(app: Flask) -> Iterator[None]:
    with app.app_context():
        load_exam(PROJECT_ROOT / "exams" / "ai-trainer-ecommerce", PROJECT_ROOT / "graders")
    yield
    grading_queue.shutdown(app)


def login(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def start(app: Flask, candidate: User) -> int:
    with app.app_context():
        exam = db.session.scalars(sa.select(Exam)).one()
        person = db.session.get(User, candidate.id)
        assert person is not None
        return attempts.start_attempt(person, exam, ip="10.0.0.1", user_agent="UA").id


def test_stored_lone_surrogates_render_on_every_page_and_can_be_reviewed(
    app: Flask, sample: None, make_user: Callable[..., User]
) -> None:
    candidate = make_user(Role.candidate, email="cand@example.com")
    reviewers = [make_user(Role.reviewer, email=f"r{n}@example.com") for n in (1, 2)]
    hr = make_user(Role.hr, email="hr@example.com")
    attempt_id = start(app, candidate)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        attempts.save_answer(attempt, "explain-gd", "a valid answer")
        db.session.commit()
        # As text saved before the entry checks existed: straight into the row.
        db.session.execute(
            sa.update(Answer).where(Answer.attempt_id == attempt_id).values(value=LONE)
        )
        db.session.commit()

    page = login(app, candidate.email).get(f"/exam/attempts/{attempt_id}")
    assert page.status_code == 200
    assert "gradient \ufffd descent" in page.get_data(as_text=True)

    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        attempts.submit(attempt)
        db.session.commit()
        item_id = db.session.scalars(sa.select(ReviewItem.id)).one()

    staff = login(app, hr.email)
    for url in (f"/hr/attempts/{attempt_id}", f"/hr/reviews/{item_id}"):
        response = staff.get(url)
        assert response.status_code == 200, url
        assert "gradient \ufffd descent" in response.get_data(as_text=True)

    reviewer = login(app, reviewers[0].email)
    html = reviewer.get(f"/review/items/{item_id}").get_data(as_text=True)
    assert "gradient \ufffd descent" in html
    data = {name: "3" for name in LEVEL_FIELD.findall(html)}
    assert data, "the review form has no level fields"
    posted = reviewer.post(f"/review/items/{item_id}", data={**data, "csrf_token": csrf_from(html)})
    assert posted.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 1


# ------------------------------------------------------------------------------ entry checks

MINI = PROJECT_ROOT / "tests" / "exams" / "fixtures" / "exams" / "mini"
GRADERS = PROJECT_ROOT / "tests" / "exams" / "fixtures" / "graders"
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Exam_:
    """A candidate's client on an open attempt of the mini exam, posting as the page does."""

    def __init__(self, app: Flask, candidate: User) -> None:
        with app.app_context():
            exam = load_exam(MINI, GRADERS).exam
            person = db.session.get(User, candidate.id)
            assert person is not None
            self.attempt_id = attempts.start_attempt(person, exam).id
        self.client = login(app, candidate.email)
        match = META_CSRF.search(self.client.get("/exam/").get_data(as_text=True))
        assert match
        self.headers = {"X-CSRFToken": match.group(1)}
        self.base = f"/exam/attempts/{self.attempt_id}"

    def post(self, path: str, body: Any = None, *, raw: bytes | None = None) -> Any:
        if raw is not None:
            return self.client.post(
                self.base + path, data=raw, headers=self.headers, content_type="application/json"
            )
        return self.client.post(self.base + path, json=body, headers=self.headers)


@pytest.fixture
def exam(app: Flask, make_user: Callable[..., User]) -> Iterator[Exam_]:
    yield Exam_(app, make_user(Role.candidate, email="cand@example.com"))
    grading_queue.shutdown(app)


def stored_answers(app: Flask, attempt_id: int) -> dict[str, Any]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Answer).where(Answer.attempt_id == attempt_id))
        return {a.question_id: a.value for a in rows}


def assert_json_400(response: Any, words: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.is_json, response.get_data(as_text=True)[:300]
    assert words in response.get_json()["message"]


@pytest.mark.parametrize(
    ("question_id", "raw"),
    [
        ("explain-gd", b'{"value": "gradient \\ud83d descent"}'),  # an escaped lone surrogate
        ("explain-gd", b'{"value": "gradient \xed\xa0\xbd descent"}'),  # one encoded as UTF-8
        ("explain-gd", b'{"value": "low half \\udc00 alone"}'),
        ("overfit-signs", b'{"value": ["a", "\\ud800"]}'),  # deep in a list
        ("event-labels", b'{"value": {"rules": [], "\\udfff": "key"}}'),  # in a key
    ],
)
def test_json_with_text_that_is_not_unicode_is_a_400_and_saves_nothing(
    app: Flask, exam: Exam_, question_id: str, raw: bytes
) -> None:
    assert_json_400(exam.post(f"/answers/{question_id}", raw=raw), "not valid Unicode")
    assert stored_answers(app, exam.attempt_id).get(question_id) is None
    # A whole emoji (a valid surrogate pair in JSON) is fine.
    ok = exam.post("/answers/explain-gd", raw=b'{"value": "gradient \\ud83d\\ude00 descent"}')
    assert ok.status_code == 200
    assert stored_answers(app, exam.attempt_id)["explain-gd"] == "gradient \U0001f600 descent"


def test_form_fields_and_query_strings_that_are_not_utf8_are_a_400(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    login_page = client.get("/login").get_data(as_text=True)
    # %ED%A0%BD is a UTF-16 surrogate encoded as UTF-8, which UTF-8 does not allow.
    body = f"email=a%ED%A0%BD%40example.com&password=x&csrf_token={csrf_from(login_page)}"
    response = client.post(
        "/login", data=body.encode(), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "not valid Unicode" in response.get_data(as_text=True)
    raw = client.post(
        "/login", data=b"email=\xff&password=x", content_type="application/x-www-form-urlencoded"
    )
    assert raw.status_code == 400 and "not valid Unicode" in raw.get_data(as_text=True)

    auth.login(make_user(Role.hr).email)
    assert client.get("/hr/audit?action=login").status_code == 200
    bad = client.get("/hr/audit?action=%FFlogin")
    assert bad.status_code == 400 and "not valid Unicode" in bad.get_data(as_text=True)
    # The JSON API answers in JSON.
    api = client.get("/api/v1/health?x=%ED%A0%BD")
    assert_json_400(api, "not valid Unicode")


# ------------------------------------------------------------------------------ JSON types


def test_an_event_kind_of_the_wrong_type_is_a_json_400(app: Flask, exam: Exam_) -> None:
    for body in ({"kind": ["paste"]}, {"kind": {"paste": 1}}, {"kind": 7}, {"kind": None}):
        assert_json_400(exam.post("/events", body), "Unknown event")
    assert exam.post("/events", {"kind": "paste", "size": 10**400}).status_code == 400
    assert exam.post("/events", {"kind": "paste"}).status_code == 204


def test_a_number_too_large_for_a_float_is_a_json_400(app: Flask, exam: Exam_) -> None:
    huge = b'{"value": 1' + b"0" * 400 + b"}"
    assert_json_400(exam.post("/answers/f1-value", raw=huge), "too large")
    assert_json_400(exam.post("/answers/f1-value", {"value": -(10**400)}), "too large")
    assert_json_400(exam.post("/answers/f1-value", {"value": "1e400"}), "finite")
    assert stored_answers(app, exam.attempt_id).get("f1-value") is None
    assert exam.post("/answers/f1-value", {"value": 10**300}).status_code == 200


def test_an_unexpected_error_on_a_json_endpoint_answers_json(
    app: Flask, exam: Exam_, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hirebench.web import candidate

    def broken(*_args: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(candidate, "save_answer", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = exam.post("/answers/explain-gd", {"value": "text"})
    assert response.status_code == 500
    assert response.is_json and response.get_json()["message"]
    # An error page for the HTML pages stays HTML.
    monkeypatch.setattr(candidate, "_sections", broken)
    page = exam.client.get(exam.base)
    assert page.status_code == 500 and page.mimetype == "text/html"


def test_json_responses_show_stored_lone_surrogates_as_replacement_characters(app: Flask) -> None:
    from flask import jsonify

    with app.test_request_context():
        assert app.json.dumps({"a\udc00": ["x \ud83d y"]}) == '{"a\\ufffd": ["x \\ufffd y"]}'
        assert app.json.dumps("\U0001f600") == '"\\ud83d\\ude00"'  # a whole emoji is kept
        response = jsonify({"answer": LONE})
        assert response.get_json() == {"answer": "gradient \ufffd descent"}
