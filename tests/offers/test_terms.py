"""Offer terms as HR types them: every bad input of issue 14 gets a clear error naming the
field, and good input reads as numbers and dates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from hirebench.offers.terms import OfferError, parse_terms
from tests.offers import terms

TODAY = date(2027, 3, 1)


def parsed(**changes: Any) -> Any:
    values = terms(
        start_date=(TODAY + timedelta(days=30)).isoformat(),
        valid_until=(TODAY + timedelta(days=10)).isoformat(),
    )
    values.update(changes)
    return parse_terms(values, today=TODAY)


def refused(**changes: Any) -> OfferError:
    with pytest.raises(OfferError) as caught:
        parsed(**changes)
    return caught.value


@pytest.fixture(autouse=True)
def _context(app: Flask) -> Any:
    with app.test_request_context():
        yield


def test_good_terms_read_as_numbers_and_dates() -> None:
    read = parsed(monthly_salary="18,000", salary_months="13", insurance_base="")
    assert read.monthly_salary == 18_000 and read.salary_months == 13
    assert read.annual_total == 234_000
    assert read.insurance_base == 18_000  # empty: the monthly salary
    assert read.start_date == TODAY + timedelta(days=30)
    assert read.hours_scheme == "flexible" and read.daily_hours == 8.0
    assert read.core_hours == "10:00-16:00"
    assert read.currency == "CNY"


def test_without_social_insurance_there_is_no_base() -> None:
    assert parsed(social_insurance="", insurance_base="9000").insurance_base is None


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"monthly_salary": "-5000"}, "monthly_salary", "cannot be negative"),
        ({"monthly_salary": "abc"}, "monthly_salary", "must be a whole number, not 'abc'"),
        ({"monthly_salary": "18000.50"}, "monthly_salary", "must be a whole number"),
        ({"monthly_salary": "１８０００"}, "monthly_salary", "must be a whole number"),
        ({"monthly_salary": ""}, "monthly_salary", "is required"),
        ({"monthly_salary": "0"}, "monthly_salary", "must be above 0"),
        ({"salary_months": "11"}, "salary_months", "from 12 to 16"),
        ({"salary_months": "17"}, "salary_months", "from 12 to 16"),
        ({"probation_months": "7"}, "probation_months", "from 0 to 6"),
        ({"probation_months": "-1"}, "probation_months", "cannot be negative"),
        ({"probation_salary": "19000"}, "probation_salary", "cannot be above the monthly"),
        ({"probation_salary": "10000"}, "probation_salary", "at least 80%"),
        ({"hours_scheme": "nine-nine-six"}, "hours_scheme", "Unknown working-hours scheme"),
        ({"daily_hours": "13"}, "daily_hours", "from 1 to 12"),
        ({"daily_hours": "eight"}, "daily_hours", "from 1 to 12"),
        ({"core_hours": "16:00-10:00"}, "core_hours", "10:00-16:00"),
        ({"core_hours": "ten to four"}, "core_hours", "10:00-16:00"),
        ({"location": "  "}, "location", "is required"),
        ({"job_title": ""}, "job_title", "is required"),
        ({"start_date": "2027-02-28"}, "start_date", "is in the past"),
        ({"start_date": "next monday"}, "start_date", "must be a date"),
        ({"valid_until": "2027-02-27"}, "valid_until", "is before today"),
        ({"valid_until": "2027-05-01"}, "valid_until", "on or before the start date"),
    ],
)
def test_bad_input_names_the_field(changes: dict[str, str], field: str, words: str) -> None:
    error = refused(**changes)
    assert error.field == field
    assert words in str(error)


def test_today_is_allowed_for_both_dates() -> None:
    read = parsed(start_date=TODAY.isoformat(), valid_until=TODAY.isoformat())
    assert read.start_date == read.valid_until == TODAY


def test_no_probation_takes_any_probation_salary_up_to_the_salary() -> None:
    assert parsed(probation_months="0", probation_salary="").probation_salary == 18_000
