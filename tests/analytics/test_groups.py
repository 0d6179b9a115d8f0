"""ANALYTICS_GROUP_QUESTIONS: the default (gender and age band) is declared in the config, the
questions and answers are named from it (translated where they are the defaults, as written
where the configuration names them, readable otherwise), and the pages show those names, never
a raw code."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext

from hirebench.analytics import groups, service
from hirebench.config import ConfigError
from hirebench.extensions import db
from hirebench.models import Role, User
from tests.analytics.helpers import cohort, make_job
from tests.conftest import AuthActions, csrf_from


def test_the_default_is_declared_in_the_config(app: Flask) -> None:
    assert app.config["ANALYTICS_GROUP_QUESTIONS"] == {
        "gender": ["woman", "man", "another"],
        "age_band": ["under_25", "25-34", "35-44", "45-54", "55_plus"],
    }
    with app.app_context():
        assert service.group_questions() == ("gender", "age_band")
    # Outside an app (a script): the same default.
    assert [q.code for q in groups.questions()] == ["gender", "age_band"]


def test_default_labels_are_translated(app: Flask) -> None:
    with app.test_request_context(), force_locale("zh_Hans"):
        asked = {q.code: q for q in groups.questions()}
        assert asked["gender"].label == gettext("Gender")
        assert dict(asked["gender"].choices)["woman"] == gettext("Woman")
        assert dict(asked["age_band"].choices)["55_plus"] == gettext("55 or older")
        assert dict(asked["age_band"].choices)["25-34"] == "25–34"
    with app.test_request_context(), force_locale("en"):
        asked = {q.code: q for q in groups.questions()}
        assert asked["gender"].label == "Gender"
        assert [label for _, label in asked["gender"].choices] == ["Woman", "Man", "Another gender"]


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("first_generation", "First generation"),
        ("zebra-group", "Zebra group"),
        ("25-34", "25–34"),
        ("65 - 74", "65–74"),
        ("  rural  ", "Rural"),
        ("", "—"),
    ],
)
def test_unknown_codes_are_shown_readably(code: str, shown: str) -> None:
    assert groups.readable(code) == shown


def test_an_instance_names_its_own_questions(app: Flask) -> None:
    app.config["ANALYTICS_GROUP_QUESTIONS"] = {
        "region": {"label": "Home region", "choices": {"north": "The north", "south": ""}},
        "first_generation": ["yes", "no"],
        "gender": {"choices": ["woman", "man", "non_binary"]},
    }
    with app.test_request_context():
        asked = groups.questions()
    assert [q.code for q in asked] == ["region", "first_generation", "gender"]
    region, first, gender = asked
    assert region.label == "Home region"
    assert region.choices == (("north", "The north"), ("south", "South"))
    assert first.label == "First generation"
    assert first.choices == (("yes", "Yes"), ("no", "No"))
    # A default question keeps its translated name and its known answers' names.
    assert gender.label == "Gender"
    assert gender.choices == (("woman", "Woman"), ("man", "Man"), ("non_binary", "Non binary"))


@pytest.mark.parametrize("setting", [["gender"], {"gender": "woman,man"}, {"gender": 3}])
def test_a_malformed_setting_says_what_is_wrong(app: Flask, setting: Any) -> None:
    app.config["ANALYTICS_GROUP_QUESTIONS"] = setting
    with app.test_request_context(), pytest.raises(ConfigError, match="ANALYTICS_GROUP_QUESTIONS"):
        groups.questions()


def test_labels_for_a_report_cover_answers_no_longer_offered(app: Flask) -> None:
    report = {
        "stages": {
            "screened": {"groups": {"woman": {}, "retired_code": {}}, "reference": "woman"},
            "invited": {"groups": {}, "reference": None},
        }
    }
    with app.test_request_context(), force_locale("en"):
        labels = groups.labels_for({"gender": report, "old_question": {"stages": {}}})
    assert labels == {
        "gender": {
            "label": "Gender",
            "answers": {"retired_code": "Retired code", "woman": "Woman"},
        },
        "old_question": {"label": "Old question", "answers": {}},
    }
    # In the order the form offers them; answers no longer offered last.
    assert list(labels["gender"]["answers"]) == ["woman", "retired_code"]


@pytest.fixture
def job_with_groups(app: Flask) -> int:
    """60 applicants who all answered both default questions, in groups of 20 to 30."""
    with app.app_context():
        made = cohort(make_job())
        for i, user in enumerate(made.users):
            answers = {"gender": "woman" if i % 2 else "man"}
            answers["age_band"] = "under_25" if i % 3 else "55_plus"
            service.save_group_data(user, answers)
        db.session.commit()
        return made.job.id


def test_the_job_page_names_groups_and_questions(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    job_with_groups: int,
) -> None:
    auth.login(make_user(Role.hr, email="hr@example.com").email)
    html = client.get(f"/hr/jobs/{job_with_groups}/analytics").get_data(as_text=True)
    for shown in ("<h3>Gender</h3>", "<h3>Age band</h3>", ">Woman", ">Man", ">Under 25"):
        assert shown in html, shown
    assert ">55 or older" in html
    for raw in (">woman", ">man", ">under_25", ">55_plus", ">age_band", ">gender"):
        assert raw not in html, raw
    assert 'data-group="under_25"' in html  # the code stays for scripts, out of sight
    with client.session_transaction() as session:
        session["language"] = "zh_Hans"
    chinese = client.get(f"/hr/jobs/{job_with_groups}/analytics").get_data(as_text=True)
    assert 'lang="zh-Hans"' in chinese
    assert ">under_25" not in chinese and ">woman" not in chinese


def test_the_form_offers_the_configured_labels(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    app.config["ANALYTICS_GROUP_QUESTIONS"] = {
        "region": {"label": "Home region", "choices": {"north": "The north", "south_east": ""}}
    }
    auth.login(make_user(Role.candidate, email="vol@example.com").email)
    html = client.get("/me/about-you").get_data(as_text=True)
    assert re.search(r"<legend[^>]*>Home region</legend>", html)
    assert "The north" in html and "South east" in html and "Prefer not to say" in html
    assert "Gender" not in html
    saved = client.post(
        "/me/about-you", data={"csrf_token": csrf_from(html), "region": "north", "consent": "y"}
    )
    assert saved.status_code == 302
    refused = client.post("/me/about-you", data={"csrf_token": csrf_from(html), "region": "west"})
    assert refused.status_code == 400  # not an answer offered
