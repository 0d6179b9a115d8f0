"""The new-hire record built from real rows: every field from its source, the full numbers in
the record and masked copies for people, and the records of offers without onboarding."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask import Flask

from hirebench.extensions import db
from hirebench.formatting import mask_number
from hirebench.handoff import record, schema
from hirebench.models.offers import OfferStatus
from tests.handoff import helpers
from tests.handoff.helpers import BANK_ACCOUNT, ID_NUMBER, LETTER


def test_an_onboarded_hire_has_every_field(app: Flask) -> None:
    with app.app_context():
        hire = helpers.offer()
        onboarding = helpers.onboard(hire, status="completed")
        onboarding.start_date = date(2026, 4, 8)  # HR moved the first day
        db.session.commit()

        data = record.build(hire.offer, onboarding)

        assert schema.problems(data) == []
        assert data == {
            "record_version": 1,
            "employee": {
                "candidate_id": hire.candidate.id,
                "name": "张伟",
                "email": hire.candidate.email,
                "id_type": "prc_id",
                "id_number": ID_NUMBER,
            },
            "job": {"id": hire.job.id, "title": "AI 训练师", "grade": "P5"},
            "department": "数据标注部",
            "start_date": "2026-04-08",
            "location": "北京市海淀区中关村大街 1 号",
            "salary": {
                "currency": "CNY",
                "monthly": 18000,
                "months_per_year": 13,
                "annual": 234000,
                "probation_monthly": 15000,
                "probation_months": 3,
            },
            "social_insurance": {"enrolled": True, "base": 18000},
            "hours": {"scheme": "flexible", "daily_hours": 8.0, "core_hours": "10:00-16:00"},
            "bank": {"bank_name": "招商银行北京分行", "account": BANK_ACCOUNT},
            "offer": {
                "id": hire.offer.id,
                "version": 1,
                "status": "accepted",
                "letter_sha256": LETTER,
                "sent_at": "2026-03-01T08:00:00Z",
                "responded_at": "2026-03-02T09:30:15Z",
                "accepted_at": "2026-03-02T09:30:15Z",
            },
            "onboarding": {
                "id": onboarding.id,
                "status": "completed",
                "completed_at": "2026-03-28T17:00:00Z",
                "started_at": None,
            },
        }


def test_before_onboarding_there_are_no_personal_details(app: Flask) -> None:
    with app.app_context():
        hire = helpers.offer(social_insurance=False, insurance_base=None, core_hours="")
        db.session.commit()
        data = record.build(hire.offer, None)
        assert schema.problems(data) == []
        assert data["employee"]["id_number"] is None and data["bank"] is None
        assert data["employee"]["id_type"] is None
        assert data["onboarding"] is None
        assert data["start_date"] == "2026-04-01"  # the offer's
        assert data["social_insurance"] == {"enrolled": False, "base": None}
        assert data["hours"]["core_hours"] == ""


def test_an_onboarding_without_the_personal_form_done_carries_none(app: Flask) -> None:
    with app.app_context():
        hire = helpers.offer()
        onboarding = helpers.onboard(hire, personal=False)
        # A half-filled form (bank name, no account) is not bank details.
        onboarding.personal = {"id_number": "  ", "bank_name": "招商银行", "bank_account": ""}
        db.session.commit()
        data = record.build(hire.offer, onboarding)
        assert data["employee"]["id_number"] is None and data["bank"] is None
        assert data["onboarding"]["status"] == "active"
        assert schema.problems(data) == []


def test_the_terms_are_those_of_the_accepted_version(app: Flask) -> None:
    with app.app_context():
        hire = helpers.offer(monthly_salary=16000)
        hire.offer.versions.append(helpers.terms(2, monthly_salary=99000))
        hire.offer.current_version = 2  # never after acceptance, but the evidence names v1
        db.session.commit()
        data = record.build(hire.offer, None)
        assert data["offer"]["version"] == 1
        assert data["salary"]["monthly"] == 16000 and data["salary"]["annual"] == 16000 * 13


def test_a_declined_offer_has_the_same_shape_with_what_is_known(app: Flask) -> None:
    with app.app_context():
        hire = helpers.offer(OfferStatus.declined)
        db.session.commit()
        data = record.build(hire.offer, None)
        assert schema.problems(data) == []
        assert data["offer"]["status"] == "declined"
        assert data["offer"]["accepted_at"] is None
        assert data["offer"]["responded_at"] == "2026-03-02T09:30:15Z"
        assert data["salary"]["monthly"] == 18000
        assert "另有安排" not in str(data)  # the reason stays with HR


def test_mask_keeps_the_last_four() -> None:
    assert mask_number(ID_NUMBER) == "*" * 14 + "123X"
    assert mask_number("6225") == "****"
    assert mask_number("12") == "**"
    assert mask_number("") == "" and mask_number(None) == ""


def test_masked_hides_both_numbers_and_leaves_the_record_alone(app: Flask) -> None:
    with app.app_context():
        hire = helpers.offer()
        onboarding = helpers.onboard(hire)
        db.session.commit()
        data = record.build(hire.offer, onboarding)
        shown = record.masked(data)
        assert shown["employee"]["id_number"] == "*" * 14 + "123X"
        assert shown["bank"]["account"] == "*" * 12 + "6789"
        assert ID_NUMBER not in str(shown) and BANK_ACCOUNT not in str(shown)
        assert data["employee"]["id_number"] == ID_NUMBER  # the original is untouched


def test_utc_text_converts_aware_times_and_drops_microseconds() -> None:
    beijing = timezone(timedelta(hours=8))
    assert record.utc_text(datetime(2026, 3, 2, 17, 30, 15, 999, tzinfo=beijing)) == (
        "2026-03-02T09:30:15Z"
    )
    assert record.utc_text(None) is None
