"""Reviewer and HR pages: the paginated queue, blind and independent scoring through the form,
the comment bank, escaping, and HR's flagged list, manual assignment, history and agreement."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hirebench.extensions import db
from hirebench.models import (
    CommentBankEntry,
    Review,
    ReviewAssignment,
    ReviewItem,
    Role,
    User,
)
from hirebench.paths import PROJECT_ROOT
from hirebench.portfolios import service as portfolios
from hirebench.reviews import rubrics, workflow
from hirebench.reviews.agreement import weighted_kappa
from tests.conftest import AuthActions, csrf_from
from tests.factories import portfolio_item, row

# The shipped portfolio rubric's criteria, levels 1-5.
CRITERIA = ("problem-framing", "data-work", "measured-impact", "ownership", "communication")
XSS = "<img src=x onerror=alert(1)>"
ITEM_LINK = re.compile(r'href="/review/items/(\d+)"')


@pytest.fixture
def app(app: Flask) -> Flask:
    with app.app_context():
        rubrics.load_files([PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml"])
    return app


@pytest.fixture
def candidate(make_user: Callable[..., User]) -> User:
    return make_user(Role.candidate, email="zhang@example.com", name="Zhang Wei")


@pytest.fixture
def panel(make_user: Callable[..., User]) -> list[User]:
    return [
        make_user(Role.reviewer, email="rita@example.com", name="Rita Alpha"),
        make_user(Role.reviewer, email="rob@example.com", name="Rob Beta"),
    ]


def login(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def new_case(app: Flask, candidate: User, title: str = "Search relevance") -> int:
    """A portfolio case without files, sent for review; returns its review item's id."""
    with app.app_context():
        person = db.session.get(User, candidate.id)
        assert person is not None
        fields = portfolios.CaseFields(
            title=title,
            description="Relabelled search results.",
            role="Wrote the guideline.",
            data_volume="5,000 queries",
            results="Click-through +4 points",
        )
        case = portfolios.create_case(person, fields, [])
        item = portfolios.review_item_of(case)
        assert item is not None
        return item.id


def new_item(app: Flask, candidate: User, title: str) -> int:
    """A bare review item on the portfolio rubric (a candidate may add only 5 cases)."""
    with app.app_context():
        return portfolio_item(row(User, candidate.id), title).id


def review(
    app: Flask,
    item_id: int,
    reviewer: User,
    levels: list[int],
    comments: dict[str, str] | None = None,
) -> None:
    """Submit a review through the service, as another reviewer's session would."""
    with app.app_context():
        mine = db.session.scalars(
            sa.select(ReviewAssignment).where(
                ReviewAssignment.item_id == item_id, ReviewAssignment.reviewer_id == reviewer.id
            )
        ).one()
        workflow.submit_review(mine, dict(zip(CRITERIA, levels, strict=True)), comments or {})


def post_review(
    client: FlaskClient,
    item_id: int,
    level: str = "3",
    comments: dict[str, str] | None = None,
    csrf: bool = True,
    bank: tuple[str, ...] = (),
) -> TestResponse:
    page = client.get(f"/review/items/{item_id}").get_data(as_text=True)
    data = {f"level-{c}": level for c in CRITERIA}
    data.update({f"comment-{c}": text for c, text in (comments or {}).items()})
    data.update({f"bank-{c}": "1" for c in bank})
    if csrf:
        data["csrf_token"] = csrf_from(page)
    return client.post(f"/review/items/{item_id}", data=data)


def reviews_of(app: Flask, item_id: int) -> list[Review]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Review).where(Review.item_id == item_id).order_by(Review.id)
            )
        )


def item_ids(response: TestResponse) -> list[int]:
    return [int(n) for n in ITEM_LINK.findall(response.get_data(as_text=True))]


def pager_links(response: TestResponse) -> list[str]:
    html = response.get_data(as_text=True)
    nav = re.search(r'<nav class="pager[^"]*"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "page has no pager"
    return re.findall(r'href="([^"]+)"', nav.group(1))


# -------------------------------------------------------------------------------- queue


def test_the_queue_pages_by_twenty_and_lists_submitted_items(
    app: Flask, candidate: User, make_user: Callable[..., User]
) -> None:
    reviewer = make_user(Role.reviewer, email="solo@example.com")
    ids = [new_item(app, candidate, f"Case {n}") for n in range(25)]
    client = login(app, reviewer.email)

    first = client.get("/review/")
    assert first.status_code == 200 and item_ids(first) == ids[:20]
    assert "To review (25)" in first.get_data(as_text=True)
    assert item_ids(client.get("/review/?page=2")) == ids[20:]
    assert item_ids(client.get("/review/?tab=done")) == []

    for item_id in ids[:22]:
        review(app, item_id, reviewer, [3] * 5)
    assert item_ids(client.get("/review/")) == ids[22:]
    done = client.get("/review/?tab=done")
    assert len(item_ids(done)) == 20 and set(item_ids(done)) <= set(ids[:22])
    links = pager_links(done)
    assert links and all("tab=done" in link for link in links)
    assert any("page=2" in link for link in links)
    second = client.get("/review/?tab=done&page=2")
    assert len(item_ids(second)) == 2
    assert set(item_ids(done)) | set(item_ids(second)) == set(ids[:22])
    assert all("tab=done" in link for link in pager_links(second))


# ------------------------------------------------------------------------ blind scoring


def test_the_item_page_is_blind_and_independent(
    app: Flask, candidate: User, panel: list[User]
) -> None:
    rita, rob = panel
    item_id = new_case(app, candidate)
    review(app, item_id, rob, [2] * 5, {"ownership": "Rob finds the role unclear."})
    client = login(app, rita.email)

    before = client.get(f"/review/items/{item_id}")
    html = before.get_data(as_text=True)
    assert before.status_code == 200 and "Relabelled search results." in html
    assert f"Candidate #{candidate.id:04d}" in html
    for hidden in ("Zhang Wei", "zhang@example.com", "Rob Beta", "rob@example.com"):
        assert hidden not in html
    assert "Rob finds the role unclear." not in html and "Reviewer B" not in html
    assert "the other reviews are shown once you have submitted yours" in html

    assert post_review(client, item_id, "4").status_code == 302
    after = client.get(f"/review/items/{item_id}").get_data(as_text=True)
    assert "Rob finds the role unclear." in after and "Reviewer B" in after
    for hidden in ("Zhang Wei", "zhang@example.com", "Rob Beta"):
        assert hidden not in after
    robs_view = login(app, rob.email).get(f"/review/items/{item_id}").get_data(as_text=True)
    assert "Reviewer A" in robs_view and "Rita Alpha" not in robs_view


def test_a_review_submitted_through_the_form_is_stored(
    app: Flask, candidate: User, panel: list[User]
) -> None:
    item_id = new_case(app, candidate)
    client = login(app, panel[0].email)
    response = post_review(client, item_id, "4", {"data-work": "Gold set, kappa tracked."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/review/items/{item_id}")
    [stored] = reviews_of(app, item_id)
    assert stored.reviewer_id == panel[0].id and stored.levels == dict.fromkeys(CRITERIA, 4)
    assert stored.comments == {"data-work": "Gold set, kappa tracked."}
    assert stored.score == 75.0


def test_an_out_of_range_level_is_refused_and_nothing_is_stored(
    app: Flask, candidate: User, panel: list[User]
) -> None:
    item_id = new_case(app, candidate)
    client = login(app, panel[0].email)
    response = post_review(client, item_id, "9", {"ownership": "Kept on the form."})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "must be a whole number from 1 to 5" in html
    assert "Kept on the form." in html  # what was typed is not lost
    assert reviews_of(app, item_id) == []
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(ReviewAssignment.submitted_at).where(
                    ReviewAssignment.item_id == item_id,
                    ReviewAssignment.reviewer_id == panel[0].id,
                )
            )
            is None
        )


def test_a_review_without_a_csrf_token_is_refused(
    app: Flask, candidate: User, panel: list[User]
) -> None:
    item_id = new_case(app, candidate)
    client = login(app, panel[0].email)
    assert post_review(client, item_id, "3", csrf=False).status_code == 400
    assert reviews_of(app, item_id) == []


def test_a_banked_comment_is_offered_on_the_next_item(
    app: Flask, candidate: User, panel: list[User]
) -> None:
    first, second = new_case(app, candidate, "First"), new_case(app, candidate, "Second")
    client = login(app, panel[0].email)
    comments = {"problem-framing": "Say what the business lost.", "ownership": "Not banked."}
    response = post_review(client, first, "3", comments, bank=("problem-framing",))
    assert response.status_code == 302
    with app.app_context():
        bank = db.session.scalars(sa.select(CommentBankEntry)).all()
        assert [(e.rubric_key, e.criterion_id, e.text, e.author_id) for e in bank] == [
            ("portfolio-project", "problem-framing", "Say what the business lost.", panel[0].id)
        ]

    html = client.get(f"/review/items/{second}").get_data(as_text=True)
    offered = re.search(
        r'<select data-bank-target="comment-problem-framing">(.*?)</select>', html, re.S
    )
    assert offered and '<option value="Say what the business lost.">' in offered.group(1)
    assert 'data-bank-target="comment-ownership"' not in html


def test_a_comment_with_html_is_shown_escaped(
    app: Flask, candidate: User, panel: list[User], make_user: Callable[..., User]
) -> None:
    item_id = new_case(app, candidate)
    client = login(app, panel[0].email)
    assert post_review(client, item_id, "3", {"ownership": XSS}).status_code == 302
    escaped = "&lt;img src=x onerror=alert(1)&gt;"
    mine = client.get(f"/review/items/{item_id}").get_data(as_text=True)
    hr_page = login(app, make_user(Role.hr).email).get(f"/hr/reviews/{item_id}")
    for html in (mine, hr_page.get_data(as_text=True)):
        assert escaped in html and XSS not in html


# ----------------------------------------------------------------------------------- HR


def test_hr_lists_flagged_items(
    app: Flask, candidate: User, panel: list[User], make_user: Callable[..., User]
) -> None:
    apart, close = new_case(app, candidate, "Far apart"), new_case(app, candidate, "Close")
    review(app, apart, panel[0], [1] * 5)
    review(app, apart, panel[1], [5] * 5)
    review(app, close, panel[0], [3] * 5)
    review(app, close, panel[1], [3] * 5)
    hr = login(app, make_user(Role.hr).email)

    everything = hr.get("/hr/reviews").get_data(as_text=True)
    assert ">Far apart<" in everything and ">Close<" in everything
    flagged = hr.get("/hr/reviews?show=flagged")
    assert flagged.status_code == 200
    html = flagged.get_data(as_text=True)
    assert ">Far apart<" in html and ">Close<" not in html


def test_hr_assigns_a_reviewer_by_hand(
    app: Flask, candidate: User, panel: list[User], make_user: Callable[..., User]
) -> None:
    item_id = new_case(app, candidate)
    extra = make_user(Role.reviewer, email="ria@example.com", name="Ria Gamma")
    hr_user = make_user(Role.hr)
    hr = login(app, hr_user.email)
    token = csrf_from(hr.get(f"/hr/reviews/{item_id}").get_data(as_text=True))

    assigned = hr.post(
        f"/hr/reviews/{item_id}/assign", data={"reviewer_id": extra.id, "csrf_token": token}
    )
    assert assigned.status_code == 302
    with app.app_context():
        row = db.session.scalars(
            sa.select(ReviewAssignment).where(ReviewAssignment.reviewer_id == extra.id)
        ).one()
        assert (row.item_id, row.assigned_by_id, row.reason) == (item_id, hr_user.id, "manual")
        item = db.session.get(ReviewItem, item_id)
        assert item is not None and item.required_reviews == 3
    assert "Ria Gamma" in hr.get(f"/hr/reviews/{item_id}").get_data(as_text=True)

    refused = hr.post(
        f"/hr/reviews/{item_id}/assign", data={"reviewer_id": candidate.id, "csrf_token": token}
    )
    assert refused.status_code == 400
    # The form offers active reviewers only, so anyone else is not a valid choice.
    assert "Not a valid choice" in refused.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(ReviewAssignment.id)).where(
                    ReviewAssignment.item_id == item_id
                )
            )
            == 3
        )


def test_hr_sees_every_version_with_reviewer_names(
    app: Flask, candidate: User, panel: list[User], make_user: Callable[..., User]
) -> None:
    item_id = new_case(app, candidate)
    review(app, item_id, panel[0], [2] * 5)
    review(app, item_id, panel[0], [4] * 5)  # an edit: version 2
    review(app, item_id, panel[1], [3] * 5)
    html = login(app, make_user(Role.hr).email).get(f"/hr/reviews/{item_id}")
    text = html.get_data(as_text=True)
    assert html.status_code == 200
    assert "<td>v1 · replaced</td>" in text and "<td>v2</td>" in text
    assert "Rita Alpha" in text and "Rob Beta" in text
    assert "Zhang Wei" in text  # HR is not blind


def test_hr_candidate_page_shows_scores_and_agreement(
    app: Flask, candidate: User, panel: list[User], make_user: Callable[..., User]
) -> None:
    rita, rob = panel
    first, second = new_case(app, candidate, "First"), new_case(app, candidate, "Second")
    levels = {
        (first, rita.id): [3, 3, 3, 3, 3],
        (first, rob.id): [3, 4, 3, 3, 3],
        (second, rita.id): [2, 2, 3, 4, 2],
        (second, rob.id): [2, 3, 3, 5, 2],
    }
    for (item_id, reviewer_id), given in levels.items():
        review(app, item_id, rita if reviewer_id == rita.id else rob, given)
    kappa = weighted_kappa(
        levels[first, rita.id] + levels[second, rita.id],
        levels[first, rob.id] + levels[second, rob.id],
        (1, 2, 3, 4, 5),
    )
    assert kappa is not None
    with app.app_context():
        scores = [db.session.get(ReviewItem, i).score for i in (first, second)]  # type: ignore[union-attr]
    hr = login(app, make_user(Role.hr).email)

    page = hr.get(f"/hr/candidates/{candidate.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for score in scores:
        assert f"panel score {score:.1f} / 100 (median)" in html  # one rule: one decimal
    assert "Rita Alpha · Rob Beta" in html and "No two raters have scored" not in html
    assert f'<span class="">{kappa:.2f}</span>' in html  # 0.74

    agreement = hr.get("/hr/agreement")
    assert agreement.status_code == 200
    text = agreement.get_data(as_text=True)
    assert "Project portfolio" in text and f'<span class="">{kappa:.2f}</span>' in text


def test_candidates_cannot_open_review_pages(
    app: Flask, candidate: User, panel: list[User]
) -> None:
    item_id = new_case(app, candidate)
    client = login(app, candidate.email)
    for url in ("/review/", f"/review/items/{item_id}", "/hr/reviews", "/hr/agreement"):
        assert client.get(url).status_code == 403, url
