"""docs/offers.md: its profile example loads with the approver it shows, and its JSON example
has exactly the keys `hirebench offers list --json` prints."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask import Flask

from hirebench.extensions import db
from hirebench.jobs.profile import OfferApprover
from hirebench.jobs.profile_file import parse_profile_text
from hirebench.models import OfferStatus, User
from hirebench.offers import service
from hirebench.offers.cli import offer_json
from hirebench.paths import PROJECT_ROOT
from tests.offers import apply, cast, make_job, terms

DOCS = PROJECT_ROOT / "docs" / "offers.md"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def test_profile_example_loads() -> None:
    [example] = blocks("yaml")
    profile = parse_profile_text(example, "data-annotator.yaml")
    assert profile.offer_approver == OfferApprover(role="business")
    assert profile.monthly_budget() == 14_000


def test_json_example_matches_the_cli(app: Flask, make_user: Callable[..., User]) -> None:
    [example] = blocks("json")
    documented = json.loads(example)
    with app.test_request_context():
        people = cast(make_user)
        offer = service.create_offer(apply(people.candidate, make_job()), terms(), by=people.hr)
        db.session.commit()
        assert set(offer_json(offer)) == set(documented[0])


def test_every_status_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for status in OfferStatus:
        assert f"| `{status.value}` |" in text, status
