"""The job profile's `offer:` key (docs/job-profile.md): who approves an offer above the
budget, each mistake reported with its key path and a fix, and profiles without the key
unchanged in content hash."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from hirebench.jobs.profile import JobProfileDefinition, OfferApprover
from hirebench.jobs.profile_file import parse_profile_text, profile_yaml, validate_profile_text

BASE: dict[str, Any] = {
    "id": "offer-profile",
    "title": "Trainer",
    "salary": {"max": 240_000, "period": "year"},
    "competencies": [{"id": "quality", "title": "Quality"}],
    "stages": {"interview": 100},
}


def text(offer: Any = None) -> str:
    data = dict(BASE)
    if offer is not None:
        data["offer"] = offer
    return yaml.safe_dump(data, allow_unicode=True)


def problems(offer: Any) -> list[tuple[str, str, str]]:
    return [(p.key_path, p.message, p.fix) for p in validate_profile_text(text(offer), "p.yaml")]


def test_absent_means_an_admin_and_keeps_the_hash() -> None:
    profile = parse_profile_text(text(), "p.yaml")
    assert profile.offer_approver is None
    assert "offer" not in profile.to_json()
    assert profile.monthly_budget() == 20_000  # a yearly budget, by the month


@pytest.mark.parametrize(
    ("offer", "expected"),
    [
        ({"approver": {"role": "hr"}}, OfferApprover(role="hr")),
        (
            {"approver": {"user": " Lead@Example.com "}},
            OfferApprover(role=None, user="lead@example.com"),
        ),
    ],
)
def test_role_or_user_round_trips(offer: dict[str, Any], expected: OfferApprover) -> None:
    profile = parse_profile_text(text(offer), "p.yaml")
    assert profile.offer_approver == expected
    assert JobProfileDefinition.from_json(profile.to_json()) == profile
    assert parse_profile_text(profile_yaml(profile), "p.yaml") == profile
    assert profile.content_hash() != parse_profile_text(text(), "p.yaml").content_hash()


@pytest.mark.parametrize(
    ("offer", "path", "words"),
    [
        ({"approver": {"role": "reviewer"}}, "offer.approver.role", "one of admin, hr, business"),
        ({"approver": {"user": "not-an-email"}}, "offer.approver.user", "is not an email"),
        ({"approver": {"role": "hr", "user": "a@b.cn"}}, "offer.approver", "exactly one"),
        ({"approver": {}}, "offer.approver", "exactly one of role or user"),
        ({"approvers": {"role": "hr"}}, "offer", "missing required key 'approver'"),
        ({"approver": {"rol": "hr"}}, "offer.approver.rol", "unknown key 'rol'"),
        ({"approver": "admin"}, "offer.approver", "must be a mapping"),
        ("admin", "offer", "must be a mapping"),
    ],
)
def test_mistakes_are_reported(offer: Any, path: str, words: str) -> None:
    found = problems(offer)
    assert any(p == path and words in m for p, m, _ in found), found
    assert all(fix for _, _, fix in found)
