"""The offer letter: one version's terms as a PDF in Chinese and English (WeasyPrint, from
templates/offers/letter.html), stored on the version with its SHA-256 so the candidate's
acceptance can name the exact bytes they read.

The labels are written here in both languages rather than translated through the catalogue:
a letter is a document, and it must read the same whatever the catalogue holds. The
candidate's language only decides which one leads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, render_template

from hirebench.models import Offer, OfferVersion, User
from hirebench.scorecards.exports import FONT_FAMILY, pdf_from_html

DEFAULT_COMPANY = "hirebench demo company"

# key -> (Chinese, English)
LABELS: dict[str, tuple[str, str]] = {
    "title": ("录用通知书", "Offer of employment"),
    "dear": ("尊敬的 %s：", "Dear %s,"),
    "intro": (
        "我们很高兴向您发出以下录用通知，请在有效期内确认。",
        "We are pleased to offer you the position below. Please reply before the offer expires.",
    ),
    "position": ("职位", "Position"),
    "grade": ("职级", "Grade"),
    "salary": ("薪酬", "Pay"),
    "monthly": ("月薪（税前）", "Monthly salary (before tax)"),
    "months": ("每年发放月数", "Months paid a year"),
    "annual": ("年度总额", "Annual total"),
    "probation": ("试用期", "Probation"),
    "probation_salary": ("试用期月薪", "Probation salary"),
    "probation_none": ("无试用期", "No probation"),
    "insurance": ("五险一金", "Social insurance and housing fund"),
    "insurance_yes": ("缴纳，基数 %s", "Paid, on a base of %s"),
    "insurance_no": ("不缴纳", "Not paid"),
    "hours": ("工时制度", "Working hours"),
    "daily": ("每日 %s 小时", "%s hours a day"),
    "core": ("核心工作时间 %s", "core hours %s"),
    "location": ("工作地点", "Work location"),
    "start": ("入职日期", "Start date"),
    "arrive": ("报到时间 09:00", "Arrive at 09:00"),
    "bring": ("入职请携带", "Please bring on your first day"),
    "valid": ("本通知有效期至", "This offer is valid until"),
    "valid_note": (
        "逾期未确认，本通知自动失效。",
        "After that date it expires unless you have accepted it.",
    ),
    "terms": ("其他条款", "Other terms"),
    "version": ("第 %d 版", "Version %d"),
    "months_unit": ("%d 个月", "%d months"),
    "sign": ("人力资源部", "Human Resources"),
}

SCHEMES: dict[str, tuple[str, str]] = {
    "standard": ("标准工时制", "Standard hours"),
    "flexible": ("不定时工作制（弹性）", "Flexible hours"),
    "comprehensive": ("综合计算工时制", "Comprehensive hours"),
}

# What a new hire brings in China; ON's onboarding guide may list more.
MATERIALS: tuple[tuple[str, str], ...] = (
    ("身份证原件及复印件", "ID card, original and a copy"),
    ("学历、学位证书原件", "Degree and diploma certificates (originals)"),
    ("入职体检报告", "Pre-employment medical report"),
    ("上一家单位的离职证明", "Leaving certificate from your previous employer"),
    ("本人银行卡（用于发薪）", "A bank card in your name (for salary)"),
    ("一寸证件照两张", "Two passport-size photos"),
)


@dataclass(frozen=True)
class Letter:
    pdf: bytes
    sha256: str


def language_of(user: User) -> str:
    """'zh' or 'en': the letter leads with the candidate's own language."""
    return "zh" if (user.locale or "").lower().startswith("zh") else "en"


def _pair(key: str, language: str, *values: Any) -> tuple[str, str]:
    zh, en = LABELS[key]
    if values:
        zh, en = zh % values, en % values
    return (zh, en) if language == "zh" else (en, zh)


def _ordered(pair: tuple[str, str], language: str) -> tuple[str, str]:
    return pair if language == "zh" else (pair[1], pair[0])


def _money(amount: int, currency: str) -> str:
    return f"{currency} {amount:,}"


def context(offer: Offer, version: OfferVersion, *, company: str, issued: date) -> dict[str, Any]:
    """What the template shows, every label as (leading language, other language)."""
    language = language_of(offer.candidate)
    cur = version.currency
    probation = (
        _pair("months_unit", language, version.probation_months)
        if version.probation_months
        else _pair("probation_none", language)
    )
    hours = [_ordered(SCHEMES.get(version.hours_scheme, SCHEMES["standard"]), language)]
    hours.append(_pair("daily", language, f"{version.daily_hours:g}"))
    if version.core_hours:
        hours.append(_pair("core", language, version.core_hours))
    insurance = (
        _pair("insurance_yes", language, _money(version.insurance_base or 0, cur))
        if version.social_insurance
        else _pair("insurance_no", language)
    )
    return {
        "language": language,
        "html_lang": "zh-Hans" if language == "zh" else "en",
        "L": {key: _pair(key, language) for key in LABELS if "%" not in LABELS[key][0]},
        "dear": _pair("dear", language, offer.candidate.name),
        "version_label": _pair("version", language, version.version),
        "company": company,
        "offer": offer,
        "version": version,
        "issued": issued.isoformat(),
        "money": {
            "monthly": _money(version.monthly_salary, cur),
            "annual": _money(version.annual_total, cur),
            "probation": _money(version.probation_salary, cur),
        },
        "salary_months": version.salary_months,
        "probation": probation,
        "insurance": insurance,
        "hours": hours,
        "materials": [_ordered(item, language) for item in MATERIALS],
        "font_family": FONT_FAMILY,
    }


def render_letter(offer: Offer, version: OfferVersion, *, issued: date) -> Letter:
    company = str(current_app.config.get("COMPANY_NAME") or DEFAULT_COMPANY)
    html = render_template(
        "offers/letter.html", **context(offer, version, company=company, issued=issued)
    )
    data = pdf_from_html(html)
    return Letter(data, hashlib.sha256(data).hexdigest())


def attach_letter(offer: Offer, version: OfferVersion, *, issued: date) -> None:
    """Render the version's letter and store it with its SHA-256 (in the caller's
    transaction)."""
    letter = render_letter(offer, version, issued=issued)
    version.letter_pdf = letter.pdf
    version.letter_sha256 = letter.sha256
