"""The offer letter: a one-page PDF in Chinese and English, led by the candidate's language,
with everything a reader needs at a glance, stored with the SHA-256 of its bytes."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator

import pypdf
import pytest
from flask import Flask

from hirebench.extensions import db
from hirebench.models import Offer, User
from hirebench.offers import service
from tests.offers import Cast, apply, cast, make_job, terms


@pytest.fixture
def people(app: Flask, make_user: Callable[..., User]) -> Iterator[Cast]:
    app.config["COMPANY_NAME"] = "Lanting Data Co."
    with app.test_request_context():
        yield cast(make_user)


def letter_text(offer: Offer) -> str:
    pdf = offer.current.letter_pdf
    assert pdf is not None
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1  # readable at a glance: one page
    return "\n".join(page.extract_text() for page in reader.pages)


def make(people: Cast, candidate: User, **changes: str) -> Offer:
    offer = service.create_offer(apply(candidate, make_job()), terms(**changes), by=people.hr)
    db.session.commit()
    return offer


def test_the_letter_holds_the_terms_in_both_languages(people: Cast) -> None:
    offer = make(people, people.candidate)
    text = letter_text(offer)
    version = offer.current
    for english in (
        "Lanting Data Co.",
        "Offer of employment",
        "Dear Li Wei",
        "AI trainer",
        "P5",
        "Monthly salary",
        "CNY 18,000",
        "Months paid a year",
        "CNY 234,000",  # 18,000 x 13
        "Probation salary",
        "CNY 16,000",
        "3 months",
        "Social insurance and housing fund",
        "Flexible hours",
        "8 hours a day",
        "10:00-16:00",
        "Arrive at 09:00",
        "Pre-employment medical report",
        "Laptop provided.",
        version.start_date.isoformat(),
        version.valid_until.isoformat(),
    ):
        assert english in text, english
    for chinese in (
        "录用通知书",
        "月薪",
        "年度总额",
        "五险一金",
        "试用期",
        "入职日期",
        "身份证原件",
        "上海市浦东新区",
    ):
        assert chinese in text, chinese


def test_the_candidates_language_leads(people: Cast) -> None:
    people.other.locale = "zh_Hans"
    db.session.commit()
    chinese = letter_text(make(people, people.other))
    english = letter_text(make(people, people.candidate))
    assert chinese.index("录用通知书") < chinese.index("Offer of employment")
    assert english.index("Offer of employment") < english.index("录用通知书")
    assert "尊敬的 张伟" in chinese


def test_the_stored_hash_is_of_the_stored_bytes(people: Cast) -> None:
    offer = make(people, people.candidate)
    version = offer.current
    assert version.letter_pdf is not None
    assert version.letter_sha256 == hashlib.sha256(version.letter_pdf).hexdigest()


def test_no_social_insurance_and_no_probation_are_said_plainly(people: Cast) -> None:
    text = letter_text(
        make(people, people.candidate, social_insurance="", probation_months="0", core_hours="")
    )
    assert "Not paid" in text and "不缴纳" in text
    assert "No probation" in text and "无试用期" in text
    assert "core hours" not in text
