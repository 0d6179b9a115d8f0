"""The new hire's personal details for payroll: an ID number and a salary bank account.

A PRC resident ID has 18 characters: 6 for the region, 8 for the birth date (YYYYMMDD), 3 for
a sequence and a check character computed with ISO 7064 MOD 11-2 over the first 17 (`X`
stands for 10). Anyone else gives a passport or permit number (letters and digits). The values
are shown masked everywhere in the UI; only the hand-off to payroll carries them whole."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from hirebench.services.errors import ServiceError

ID_TYPES = ("prc_id", "passport")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_PRC_ID = re.compile(r"^\d{17}[\dX]$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
_SPACES = re.compile(r"[\s-]+")
BANK_ACCOUNT_DIGITS = (12, 30)  # personal cards have 16-19 digits; passbooks run longer
BANK_NAME_MAX = 100


class PersonalDataError(ServiceError):
    """A personal detail that is not valid; `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PersonalFields:
    id_type: str
    id_number: str
    bank_name: str
    bank_account: str


def prc_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def prc_id_problem(value: str, today: date | None = None) -> str | None:
    """Why `value` (normalised: no spaces, upper case) is not a valid resident ID number."""
    if not _PRC_ID.match(value):
        return _("A resident ID number has 18 characters: 17 digits, then a digit or X.")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _("The birth date in this ID number (characters 7-14) is not a real date.")
    if born.year < 1900 or born > (today or date.today()):
        return _("The birth date in this ID number (characters 7-14) is not possible.")
    if prc_check_char(value[:17]) != value[17]:
        return _("This ID number's last character does not match; check it for a typo.")
    return None


def validate(fields: PersonalFields) -> dict[str, str]:
    """The details normalised for storage, or PersonalDataError for the first bad field."""
    if fields.id_type not in ID_TYPES:
        raise PersonalDataError("id_type", _("Choose the type of your ID document."))
    id_number = _SPACES.sub("", fields.id_number).upper()
    if fields.id_type == "prc_id":
        problem = prc_id_problem(id_number)
        if problem:
            raise PersonalDataError("id_number", problem)
    elif not _PASSPORT.match(id_number):
        raise PersonalDataError(
            "id_number", _("A passport or permit number has 5 to 20 letters and digits.")
        )
    bank_name = fields.bank_name.strip()
    if not bank_name or len(bank_name) > BANK_NAME_MAX:
        raise PersonalDataError(
            "bank_name",
            _("Enter the bank and branch, at most %(n)d characters.", n=BANK_NAME_MAX),
        )
    account = _SPACES.sub("", fields.bank_account)
    low, high = BANK_ACCOUNT_DIGITS
    if not account.isascii() or not account.isdigit() or not low <= len(account) <= high:
        raise PersonalDataError(
            "bank_account",
            _("A bank account number has %(low)d to %(high)d digits.", low=low, high=high),
        )
    return {
        "id_type": fields.id_type,
        "id_number": id_number,
        "bank_name": bank_name,
        "bank_account": account,
    }
