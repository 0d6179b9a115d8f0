"""Integrity signals in words, for the people who read them (HR, reviewers).

The stored events keep short codes (`tab_hidden`, `paste` with `{"size": 120}`); this module
turns each event, and each flag of attempts.integrity_summary, into a translated sentence and
its details into readable text. An unknown code is shown as it is rather than hidden."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hirebench.models import IntegrityEvent

# Signals whose name needs no number from their details.
_EVENT_NAMES: dict[str, LazyString] = {
    "tab_hidden": _l("Left the exam tab"),
    "focus_lost": _l("The exam window lost focus"),
    "fullscreen_exit": _l("Left full screen"),
    "ip_changed": _l("The network address changed"),
    "user_agent_changed": _l("The browser changed"),
    "second_session": _l("Opened in a second browser session"),
    # Breaks an accommodation grants (exams/breaks.py): context, never a flag.
    "break_start": _l("Started a break (the clock stopped)"),
    "break_end": _l("Resumed after a break"),
}


def event_label(kind: str, detail: dict[str, Any] | None = None) -> str:
    """One signal as a sentence: "Left the exam tab", "Pasted 120 characters"."""
    if kind == "paste":
        size = (detail or {}).get("size")
        if type(size) is int:
            return ngettext("Pasted %(num)d character", "Pasted %(num)d characters", size)
        return _("Pasted text")
    name = _EVENT_NAMES.get(kind)
    return str(name) if name is not None else kind


def event_detail(kind: str, detail: dict[str, Any] | None) -> str:
    """What the server saw with the signal, as text; empty when the label says it all."""
    detail = detail or {}
    if kind == "ip_changed" and detail.get("ip"):
        return _("New address: %(ip)s", ip=detail["ip"])
    if kind == "user_agent_changed" and detail.get("user_agent"):
        return _("New browser: %(agent)s", agent=detail["user_agent"])
    if kind == "break_start" and type(detail.get("minutes")) is int:
        number, minutes = detail.get("number", ""), detail["minutes"]
        return _("Break %(n)s, up to %(minutes)d min", n=number, minutes=minutes)
    if kind == "break_end" and type(detail.get("seconds")) is int:
        seconds = detail["seconds"]
        return _("Paused %(min)d min %(s)02d s", min=seconds // 60, s=seconds % 60) + (
            " · " + _("ended by itself") if detail.get("auto") else ""
        )
    known = {"paste": {"size"}, "ip_changed": {"ip"}, "user_agent_changed": {"user_agent"}}
    rest = {k: v for k, v in detail.items() if k not in known.get(kind, set())}
    return ", ".join(f"{key}: {value}" for key, value in sorted(rest.items()))


def flag_label(flag: str, summary: dict[str, Any]) -> str:
    """A flag of attempts.integrity_summary as a sentence, with the numbers behind it."""
    counts = summary.get("counts", {})
    if flag == "frequent_focus_loss":
        times = int(counts.get("tab_hidden", 0)) + int(counts.get("focus_lost", 0))
        return ngettext(
            "Left the exam or lost focus %(num)d time",
            "Left the exam or lost focus %(num)d times",
            times,
        )
    if flag == "large_pastes":
        return ngettext(
            "Pasted %(num)d character in all",
            "Pasted %(num)d characters in all",
            int(summary.get("pasted_chars", 0)),
        )
    return event_label(flag)


def flag_labels(summary: dict[str, Any]) -> list[str]:
    return [flag_label(flag, summary) for flag in summary.get("flags", [])]


def timeline(events: list[IntegrityEvent]) -> list[dict[str, Any]]:
    """The attempt's signals in time order, each with its label and readable detail."""
    return [
        {
            "at": event.at,
            "kind": event.kind,
            "label": event_label(event.kind, event.detail),
            "detail": event_detail(event.kind, event.detail),
        }
        for event in sorted(events, key=lambda e: (e.at, e.id))
    ]
