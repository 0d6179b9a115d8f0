"""An offer's terms as HR typed them, checked before anything is written: every problem is a
ServiceError naming the field, so a refused form saves nothing (docs/offers.md, "Fields")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hirebench.services.errors import ServiceError

HOURS_SCHEMES = ("standard", "flexible", "comprehensive")
SALARY_MONTHS = (12, 16)  # 13 is a 13th month; 16 is as far as Chinese offers go
PROBATION_MONTHS = (0, 6)  # the Labour Contract Law's longest probation
# Labour Contract Law art. 20: probation pay is at least 80% of the agreed salary.
PROBATION_FLOOR = 0.8
DAILY_HOURS = (1.0, 12.0)
MAX_SALARY = 10_000_000  # yuan a month; anything above is a typo, not an offer
TITLE_CHARS, GRADE_CHARS, LOCATION_CHARS, TERMS_CHARS = 200, 50, 300, 8_000
CORE_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")

FIELD_LABELS = {
    "job_title": _l("Job title"),
    "grade": _l("Grade"),
    "monthly_salary": _l("Monthly salary"),
    "salary_months": _l("Months paid a year"),
    "probation_salary": _l("Probation salary"),
    "probation_months": _l("Probation months"),
    "insurance_base": _l("Social insurance base"),
    "daily_hours": _l("Daily hours"),
    "location": _l("Work location"),
    "terms": _l("Terms"),
}


class OfferError(ServiceError):
    """Bad offer input or a step the offer's state does not allow; `field` names the form
    field at fault, when there is one."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class OfferTerms:
    job_title: str
    grade: str
    monthly_salary: int
    salary_months: int
    probation_salary: int
    probation_months: int
    social_insurance: bool
    insurance_base: int | None
    hours_scheme: str
    daily_hours: float
    core_hours: str
    location: str
    start_date: date
    valid_until: date
    terms: str
    currency: str = "CNY"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["start_date"] = self.start_date.isoformat()
        data["valid_until"] = self.valid_until.isoformat()
        return data

    @property
    def annual_total(self) -> int:
        return self.monthly_salary * self.salary_months


def _text(raw: Mapping[str, Any], key: str, limit: int, *, required: bool = True) -> str:
    value = str(raw.get(key) or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise OfferError(_("%(field)s is required.", field=FIELD_LABELS[key]), key)
    if len(value) > limit:
        raise OfferError(
            _(
                "%(field)s is longer than %(limit)d characters.",
                field=FIELD_LABELS[key],
                limit=limit,
            ),
            key,
        )
    return value


def _whole(raw: Mapping[str, Any], key: str, *, required: bool = True) -> int | None:
    """A whole number of yuan or months. Thousands separators (12,000) are allowed; signs,
    decimals and words are refused with the field's name."""
    value = raw.get(key)
    if isinstance(value, bool):
        value = None
    text = str(value if value is not None else "").strip().replace(",", "").replace("_", "")
    if not text:
        if required:
            raise OfferError(_("%(field)s is required.", field=FIELD_LABELS[key]), key)
        return None
    if text.startswith("-") and text[1:].isdigit():
        raise OfferError(_("%(field)s cannot be negative.", field=FIELD_LABELS[key]), key)
    if not text.isascii() or not text.isdigit():
        raise OfferError(
            _(
                "%(field)s must be a whole number, not %(value)s.",
                field=FIELD_LABELS[key],
                value=repr(text[:20]),
            ),
            key,
        )
    return int(text)


def _date(raw: Mapping[str, Any], key: str) -> date:
    value = raw.get(key)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        what = _("The start date") if key == "start_date" else _("The validity date")
        raise OfferError(_("%(what)s must be a date like 2027-03-01.", what=what), key) from None


def parse_terms(raw: Mapping[str, Any], *, today: date) -> OfferTerms:
    """The terms from form fields (strings) or plain values; OfferError on the first problem,
    in the form's order."""
    job_title = _text(raw, "job_title", TITLE_CHARS)
    grade = _text(raw, "grade", GRADE_CHARS, required=False)
    monthly, months, probation_salary, probation_months = _salary(raw)
    social_insurance = _flag(raw.get("social_insurance"))
    base = _whole(raw, "insurance_base", required=False)
    if base is not None and base > MAX_SALARY:
        raise OfferError(
            _("The social insurance base is not a plausible amount."), "insurance_base"
        )
    if social_insurance and base is None:
        base = monthly  # the usual base: the agreed monthly salary
    scheme, daily_hours, core_hours = _hours(raw)
    location = _text(raw, "location", LOCATION_CHARS)
    start, valid_until = _dates(raw, today)
    return OfferTerms(
        job_title=job_title,
        grade=grade,
        monthly_salary=monthly,
        salary_months=months,
        probation_salary=probation_salary,
        probation_months=probation_months,
        social_insurance=social_insurance,
        insurance_base=base if social_insurance else None,
        hours_scheme=scheme,
        daily_hours=daily_hours,
        core_hours=core_hours,
        location=location,
        start_date=start,
        valid_until=valid_until,
        terms=_text(raw, "terms", TERMS_CHARS, required=False),
    )


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("y", "yes", "on", "true", "1")


def _salary(raw: Mapping[str, Any]) -> tuple[int, int, int, int]:
    monthly = _whole(raw, "monthly_salary")
    assert monthly is not None
    if monthly == 0 or monthly > MAX_SALARY:
        raise OfferError(
            _(
                "The monthly salary must be above 0 and at most %(max)s yuan.",
                max=f"{MAX_SALARY:,}",
            ),
            "monthly_salary",
        )
    months = _whole(raw, "salary_months", required=False) or 12
    if not SALARY_MONTHS[0] <= months <= SALARY_MONTHS[1]:
        raise OfferError(
            _(
                "Months paid a year must be from %(low)d to %(high)d (13 is a 13th month), "
                "not %(value)d.",
                low=SALARY_MONTHS[0],
                high=SALARY_MONTHS[1],
                value=months,
            ),
            "salary_months",
        )
    probation_months = _whole(raw, "probation_months", required=False) or 0
    if not PROBATION_MONTHS[0] <= probation_months <= PROBATION_MONTHS[1]:
        raise OfferError(
            _(
                "Probation months must be from %(low)d to %(high)d, not %(value)d.",
                low=PROBATION_MONTHS[0],
                high=PROBATION_MONTHS[1],
                value=probation_months,
            ),
            "probation_months",
        )
    probation_salary = _whole(raw, "probation_salary", required=False)
    if probation_salary is None:
        probation_salary = monthly
    if probation_salary > monthly:
        raise OfferError(
            _("The probation salary cannot be above the monthly salary."), "probation_salary"
        )
    if probation_months and probation_salary < monthly * PROBATION_FLOOR:
        raise OfferError(
            _(
                "The probation salary must be at least 80%% of the monthly salary "
                "(%(floor)s yuan): Labour Contract Law, article 20.",
                floor=f"{int(monthly * PROBATION_FLOOR + 0.999):,}",
            ),
            "probation_salary",
        )
    return monthly, months, probation_salary, probation_months


def _hours(raw: Mapping[str, Any]) -> tuple[str, float, str]:
    scheme = str(raw.get("hours_scheme") or "standard").strip()
    if scheme not in HOURS_SCHEMES:
        raise OfferError(
            _(
                "Unknown working-hours scheme %(value)s; use standard, flexible or comprehensive.",
                value=repr(scheme[:30]),
            ),
            "hours_scheme",
        )
    text = str(raw.get("daily_hours") or "8").strip()
    try:
        daily = float(text)
    except ValueError:
        daily = float("nan")
    if not DAILY_HOURS[0] <= daily <= DAILY_HOURS[1]:
        raise OfferError(
            _("Daily hours must be a number from 1 to 12, not %(value)s.", value=repr(text[:20])),
            "daily_hours",
        )
    core = str(raw.get("core_hours") or "").replace(" ", "").replace("–", "-")
    if core and not _core_hours_ok(core):
        raise OfferError(
            _("Core hours must look like 10:00-16:00 (start before end), or be left empty."),
            "core_hours",
        )
    return scheme, daily, core


def _core_hours_ok(core: str) -> bool:
    match = CORE_HOURS.match(core)
    if match is None:
        return False
    start, end = core.split("-")
    return start < end


def _dates(raw: Mapping[str, Any], today: date) -> tuple[date, date]:
    start = _date(raw, "start_date")
    valid_until = _date(raw, "valid_until")
    if start < today:
        raise OfferError(
            _("The start date %(date)s is in the past.", date=start.isoformat()), "start_date"
        )
    if valid_until < today:
        raise OfferError(
            _("The validity date %(date)s is before today.", date=valid_until.isoformat()),
            "valid_until",
        )
    if valid_until > start:
        raise OfferError(
            _(
                "The offer must expire on or before the start date (%(date)s).",
                date=start.isoformat(),
            ),
            "valid_until",
        )
    return start, valid_until
