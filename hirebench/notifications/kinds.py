"""The kinds of staff notification and the words for each (docs/notifications.md).

Texts are message ids marked with N_ and translated only when someone reads them, so one stored
notification reads in English to one person and in Chinese to another. A notification's params
are plain values (names, titles, codes); codes such as a recommendation are turned into words
here, in the reader's language, at the same time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import get_translations, gettext

from hirebench.formatting import N_


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # what the preferences page calls it
    title: str
    body: str


REVIEW_ASSIGNED = "review_assigned"
INTERVIEW_SCHEDULED = "interview_scheduled"
RECOMMENDATION_REACHED = "recommendation_reached"
OFFER_NEEDS_APPROVAL = "offer_needs_approval"
OFFER_ACCEPTED = "offer_accepted"
OFFER_DECLINED = "offer_declined"

KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            REVIEW_ASSIGNED,
            N_("An item is assigned to me for review"),
            N_("New review: %(item)s"),
            N_("“%(item)s” is in your review queue."),
        ),
        Kind(
            INTERVIEW_SCHEDULED,
            N_("An interview I am on is scheduled"),
            N_("Interview with %(candidate)s"),
            N_("You are on the panel of “%(kit)s” with %(candidate)s, %(when)s."),
        ),
        Kind(
            RECOMMENDATION_REACHED,
            N_("A scorecard reaches a recommendation"),
            N_("%(candidate)s: %(recommendation)s"),
            N_("The scorecard of %(candidate)s for %(job)s now recommends: %(recommendation)s."),
        ),
        Kind(
            OFFER_NEEDS_APPROVAL,
            N_("An offer needs my approval"),
            N_("Offer to approve: %(candidate)s"),
            N_("The offer to %(candidate)s for %(job)s is over the budget and needs approval."),
        ),
        Kind(
            OFFER_ACCEPTED,
            N_("A candidate accepts an offer"),
            N_("Offer accepted: %(candidate)s"),
            N_("%(candidate)s accepted the offer for %(job)s."),
        ),
        Kind(
            OFFER_DECLINED,
            N_("A candidate declines an offer"),
            N_("Offer declined: %(candidate)s"),
            N_("%(candidate)s declined the offer for %(job)s."),
        ),
    )
}

RECOMMENDATION_WORDS = {
    "hire": N_("Hire"),
    "hire_with_training": N_("Hire, with training"),
    "hold": N_("Hold"),
    "reject": N_("Reject"),
}


def _words(params: Mapping[str, Any]) -> dict[str, Any]:
    """The params with codes turned into words and unknown times said as such."""
    values = {key: value for key, value in params.items() if isinstance(value, str | int | float)}
    code = params.get("recommendation")
    if isinstance(code, str):
        word = RECOMMENDATION_WORDS.get(code)
        values["recommendation"] = gettext(word) if word else code
    if "when" in params and not params["when"]:
        values["when"] = gettext("time not set yet")
    return values


def _render(message: str, params: Mapping[str, Any]) -> str:
    """A message id in the current language. A stored notification missing a value (an older
    row, a renamed param) still reads, with the name of what is missing in its place; a
    translation whose placeholders are broken falls back to the English text."""
    values = _Missing(_words(params))
    try:
        return str(get_translations().ugettext(message) % values)
    except (ValueError, TypeError):
        return message % values


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return f"‹{key}›"


def title(kind: str, params: Mapping[str, Any]) -> str:
    found = KINDS.get(kind)
    return _render(found.title, params) if found else kind


def body(kind: str, params: Mapping[str, Any]) -> str:
    found = KINDS.get(kind)
    return _render(found.body, params) if found else ""


def label(kind: str) -> str:
    found = KINDS.get(kind)
    return gettext(found.label) if found else kind
