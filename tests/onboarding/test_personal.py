"""The new hire's ID and bank details: PRC ID check characters, passports, accounts, masking."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from hirebench.formatting import mask_number
from hirebench.onboarding.personal import (
    PersonalDataError,
    PersonalFields,
    prc_check_char,
    prc_id_problem,
    validate,
)


def prc_id(first17: str) -> str:
    return first17 + prc_check_char(first17)


def test_check_characters_follow_iso_7064_mod_11_2() -> None:
    # The example from GB 11643-1999.
    assert prc_check_char("11010519491231002") == "X"
    assert prc_check_char("44030419900101123") == "3"  # worked by hand: 196 mod 11 = 9


@pytest.fixture
def ctx(app: Flask):  # type: ignore[no-untyped-def]
    with app.app_context(), app.test_request_context():
        yield


def fields(**changes: str) -> PersonalFields:
    values = {
        "id_type": "prc_id",
        "id_number": "11010519491231002X",
        "bank_name": "招商银行上海分行",
        "bank_account": "6225 8801 3770 6868",
    }
    return PersonalFields(**{**values, **changes})


def test_valid_details_are_normalised(ctx: None) -> None:
    assert validate(fields(id_number="110105 19491231 002x")) == {
        "id_type": "prc_id",
        "id_number": "11010519491231002X",
        "bank_name": "招商银行上海分行",
        "bank_account": "6225880137706868",
    }
    assert validate(fields(id_type="passport", id_number="e1234 5678"))["id_number"] == (
        "E12345678"
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "last character does not match"),
        ({"id_number": "11010519491231002"}, "id_number", "18 characters"),
        ({"id_number": "1101051949123100XX"}, "id_number", "18 characters"),
        ({"id_number": prc_id("11010519490230002")}, "id_number", "not a real date"),
        ({"id_number": prc_id("11010518491231002")}, "id_number", "not possible"),
        ({"id_number": prc_id("11010529991231002")}, "id_number", "not possible"),
        ({"id_type": "passport", "id_number": "E1-2"}, "id_number", "5 to 20 letters"),
        ({"id_type": "passport", "id_number": "护照12345"}, "id_number", "5 to 20 letters"),
        ({"id_type": "driving"}, "id_type", "type of your ID"),
        ({"bank_name": "  "}, "bank_name", "bank and branch"),
        ({"bank_account": "6225-88O1-3770"}, "bank_account", "12 to 30 digits"),
        ({"bank_account": "12345"}, "bank_account", "12 to 30 digits"),
        ({"bank_account": "１２３４５６７８９０１２"}, "bank_account", "12 to 30 digits"),
    ],
)
def test_bad_details_name_their_field(
    ctx: None, changes: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(PersonalDataError, match=message) as refused:
        validate(fields(**changes))
    assert refused.value.field == field


def test_birth_dates_are_checked_against_today(ctx: None) -> None:
    assert prc_id_problem(prc_id("11010520300101002"), today=date(2029, 1, 1)) is not None
    assert prc_id_problem(prc_id("11010520300101002"), today=date(2031, 1, 1)) is None


def test_masking_keeps_the_last_four() -> None:
    assert mask_number("11010519491231002X") == "**************002X"
    assert mask_number("6225880137706868") == "************6868"
    assert mask_number("1234") == "****"
    assert mask_number("") == ""
