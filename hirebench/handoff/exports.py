"""New-hire records as a table, for CSV (UTF-8 with BOM) and XLSX. Files are for people: the
ID and bank account numbers are masked in them, as on every page; only the webhook payload and
the JSON API carry them in full (docs/handoff.md). Formula injection and Excel's quirks are
handled by the scorecard exports' writers, which these reuse."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _

from hirebench.formatting import mask_number
from hirebench.scorecards.exports import to_csv, to_xlsx


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _scheme(code: str) -> str:
    labels = {
        "standard": _("standard"),
        "flexible": _("flexible"),
        "comprehensive": _("comprehensive"),
    }
    return labels.get(code, code)


def onboarding_label(code: str) -> str:
    labels = {
        "active": _("in progress"),
        "completed": _("checklist complete"),
        "started": _("started work"),
        "withdrawn": _("withdrawn"),
    }
    return labels.get(code, code)


def header() -> list[str]:
    return [
        _("Offer ID"),
        _("Offer version"),
        _("Candidate ID"),
        _("Name"),
        _("Email"),
        _("ID number (masked)"),
        _("Job ID"),
        _("Job title"),
        _("Grade"),
        _("Department"),
        _("Start date"),
        _("Location"),
        _("Currency"),
        _("Monthly salary"),
        _("Months per year"),
        _("Annual salary"),
        _("Probation salary"),
        _("Probation months"),
        _("Social insurance and housing fund"),
        _("Contribution base"),
        _("Hours scheme"),
        _("Daily hours"),
        _("Core hours"),
        _("Bank"),
        _("Bank account (masked)"),
        _("Accepted at (UTC)"),
        _("Letter SHA-256"),
        _("Onboarding"),
    ]


def row(data: dict[str, Any]) -> list[Any]:
    employee, job, salary = data["employee"], data["job"], data["salary"]
    insurance, hours, offer = data["social_insurance"], data["hours"], data["offer"]
    bank = data["bank"] or {}
    onboarding = data["onboarding"] or {}
    return [
        offer["id"],
        offer["version"],
        employee["candidate_id"],
        employee["name"],
        employee["email"],
        mask_number(employee["id_number"]),
        job["id"],
        job["title"],
        job["grade"],
        data["department"],
        data["start_date"],
        data["location"],
        salary["currency"],
        salary["monthly"],
        salary["months_per_year"],
        salary["annual"],
        salary["probation_monthly"],
        salary["probation_months"],
        _yes_no(insurance["enrolled"]),
        insurance["base"] if insurance["base"] is not None else "",
        _scheme(hours["scheme"]),
        hours["daily_hours"],
        hours["core_hours"],
        bank.get("bank_name", ""),
        mask_number(bank.get("account")),
        (offer["accepted_at"] or "").replace("T", " ").removesuffix("Z"),
        offer["letter_sha256"],
        onboarding_label(onboarding.get("status", "")),
    ]


def table(records: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    return header(), [row(data) for data in records]


def csv_bytes(records: Sequence[dict[str, Any]]) -> bytes:
    return to_csv(*table(records))


def xlsx_bytes(records: Sequence[dict[str, Any]], title: str) -> bytes:
    head, rows = table(records)
    return to_xlsx(head, rows, title)
