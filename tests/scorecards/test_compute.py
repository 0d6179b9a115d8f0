"""The composite scorecard as a pure function (docs/scorecard.md): stages pass through, the
composite under each `missing_stage` policy, competency means, every recommendation rule in
its documented order, and stored texts that translate. No database."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
import yaml
from flask import Flask
from flask_babel import get_locale

from hirebench.jobs.profile import JobProfileDefinition, Stage
from hirebench.jobs.profile_file import parse_profile_text
from hirebench.scorecards.compute import (
    Evidence,
    Item,
    StageResult,
    compute,
    explain,
    flag,
    text,
)
from hirebench.scorecards.dashboard import localized

BASE: dict[str, Any] = {
    "id": "test-job",
    "title": "Test job · 测试岗位",
    "salary": {"min": 10000, "max": 15000, "period": "month"},
    "exam": "sample",
    "competencies": [
        {"id": "technical", "title": "Technical skill · 技术能力"},
        {
            "id": "communication",
            "title": "Communication · 沟通",
            "indicators": ["Explains the rule logic clearly"],
        },
        {"id": "business", "title": "Business understanding"},
    ],
    "stages": {"written_test": 50, "portfolio": 30, "interview": 20},
    "missing_stage": "reweight",
    "cutoffs": {"hire": 70, "reject": 50, "competency_floor": 60, "stages": {"written_test": 40}},
}

# Evidence that makes communication weak: (40 * 10 + 80 * 1) / 11 = 43.6.
WEAK_COMMUNICATION = (
    Item("communication", "exam", "explain-gd", 40.0, 10.0),
    Item("communication", "interview", "interview communication", 80.0, 1.0),
)
INTEGRITY = flag("integrity", "Exam integrity signals: %(signals)s", signals="ip_changed")
DISAGREEMENT = flag("disagreement", "Reviewers disagreed on: %(items)s", items="Search case")
OVER_BUDGET = flag(
    "over_budget",
    "Expects at least %(wants).0f a month; the budget is up to %(budget).0f",
    wants=30000.0,
    budget=15000.0,
)


def profile(**changes: Any) -> JobProfileDefinition:
    data = copy.deepcopy(BASE)
    data.update(changes)
    # sort_keys=False: the order of the stages is the order the scorecard shows them in.
    source = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return parse_profile_text(source, "test.yaml")


def stage(score: float | None, status: str = "complete") -> StageResult:
    return StageResult(score, status, text("%(points).1f points", points=score or 0.0))


def evidence(
    written: float | None = None,
    portfolio: float | None = None,
    interview: float | None = None,
    *,
    statuses: Mapping[str, str] | None = None,
    items: Iterable[Item] = (),
    flags: Iterable[dict[str, Any]] = (),
) -> Evidence:
    """A stage given as None is left out (missing); the others are complete unless `statuses`
    says otherwise."""
    statuses = statuses or {}
    found = Evidence(7, "张伟", "zhang@example.com", items=list(items), flags=list(flags))
    given = {"written_test": written, "portfolio": portfolio, "interview": interview}
    for key, score in given.items():
        if score is not None or key in statuses:
            found.stages[Stage(key)] = stage(score, statuses.get(key, "complete"))
    return found


def card(found: Evidence, definition: JobProfileDefinition | None = None) -> dict[str, Any]:
    return compute(definition or profile(), 3, 11, found)


def recommendation(found: Evidence, definition: JobProfileDefinition | None = None) -> str:
    return str(card(found, definition)["recommendation"]["code"])


def reasons(data: Mapping[str, Any]) -> str:
    return " | ".join(data["recommendation"]["reasons"])


# --------------------------------------------------------------------------------- stages


def test_stages_pass_through_in_profile_order() -> None:
    found = evidence(72.46, None, None, statuses={"interview": "pending"})
    found.stages[Stage.portfolio] = StageResult(
        93.2, "partial", text("%(done)d of %(n)d cases reviewed", done=1, n=2)
    )
    found.stages[Stage.assessment] = stage(10.0)  # not weighted in this profile: ignored
    data = card(found)

    assert list(data["stages"]) == ["written_test", "portfolio", "interview"]
    written = data["stages"]["written_test"]
    assert written == {
        "title": "Written test",
        "score": 72.5,  # rounded to one decimal
        "status": "complete",
        "weight": 50.0,
        "detail": text("%(points).1f points", points=72.46),
    }
    portfolio = data["stages"]["portfolio"]
    assert (portfolio["score"], portfolio["status"]) == (93.2, "partial")
    assert portfolio["detail"]["text"] == "1 of 2 cases reviewed"
    assert data["stages"]["interview"]["status"] == "pending"
    assert data["stages"]["interview"]["score"] is None
    assert "assessment" not in data["stages"]
    assert (data["candidate_id"], data["name"], data["email"]) == (7, "张伟", "zhang@example.com")
    assert (data["job_id"], data["job_title"], data["profile_version"]) == (
        11,
        "Test job · 测试岗位",
        3,
    )
    json.dumps(data)  # stored as JSON


def test_a_missing_stage_is_null_and_missing_never_zero() -> None:
    for policy in ("reweight", "zero", "hold"):
        data = card(evidence(80.0, 60.0), profile(missing_stage=policy))
        interview = data["stages"]["interview"]
        assert interview["score"] is None, policy
        assert interview["status"] == "missing"
        assert interview["weight"] == 20.0
        assert interview["detail"]["text"] == "no evidence yet"


def test_the_same_inputs_give_the_same_scorecard() -> None:
    first = card(evidence(80.0, 60.0, 90.0, items=WEAK_COMMUNICATION, flags=[OVER_BUDGET]))
    second = card(evidence(80.0, 60.0, 90.0, items=WEAK_COMMUNICATION, flags=[OVER_BUDGET]))
    first.pop("computed_at")
    second.pop("computed_at")
    assert first == second


# ------------------------------------------------------------------------------ composite


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        # (50 * 80 + 30 * 60) / (50 + 30): the two scored stages share the interview's 20.
        ("reweight", 72.5),
        # (50 * 80 + 30 * 60 + 20 * 0) / 100
        ("zero", 58.0),
        # no composite until every weighted stage has a score
        ("hold", None),
    ],
)
def test_composite_with_a_missing_stage(policy: str, expected: float | None) -> None:
    data = card(evidence(80.0, 60.0), profile(missing_stage=policy))
    assert data["composite"] == expected


@pytest.mark.parametrize("policy", ["reweight", "zero", "hold"])
def test_composite_with_every_stage_is_the_weighted_mean(policy: str) -> None:
    # (50 * 80 + 30 * 60 + 20 * 90) / 100 = 76
    data = card(evidence(80.0, 60.0, 90.0), profile(missing_stage=policy))
    assert data["composite"] == 76.0


def test_a_pending_stage_counts_as_unscored_in_the_composite() -> None:
    data = card(evidence(80.0, 60.0, statuses={"interview": "pending"}))
    assert data["composite"] == 72.5


def test_no_scored_stage_gives_no_composite_under_any_policy() -> None:
    for policy in ("reweight", "zero", "hold"):
        assert card(evidence(), profile(missing_stage=policy))["composite"] is None


# --------------------------------------------------------------------------- competencies


def test_competency_scores_are_weighted_means_of_their_evidence() -> None:
    items = [
        Item("technical", "exam", "coding", 50.0, 30.0),
        Item("technical", "exam", "ml-concepts", 90.0, 20.0),
        *WEAK_COMMUNICATION,
        Item("no-such-competency", "exam", "logic", 100.0, 10.0),
    ]
    data = card(evidence(80.0, 60.0, 90.0, items=items))
    competencies = data["competencies"]

    assert list(competencies) == ["technical", "communication", "business"]
    # (50 * 30 + 90 * 20) / 50 = 66
    assert competencies["technical"]["score"] == 66.0
    assert competencies["technical"]["title"] == "Technical skill · 技术能力"
    assert competencies["technical"]["evidence"] == [
        {"source": "exam", "label": "coding", "score": 50.0, "weight": 30.0},
        {"source": "exam", "label": "ml-concepts", "score": 90.0, "weight": 20.0},
    ]
    # (40 * 10 + 80 * 1) / 11 = 43.64
    assert competencies["communication"]["score"] == 43.6
    # No evidence: null ("missing"), not 0.
    assert competencies["business"] == {
        "title": "Business understanding",
        "score": None,
        "evidence": [],
    }


# ------------------------------------------------------------------ recommendation rules


def test_rule_1_no_composite_holds_naming_the_stages_it_waits_for() -> None:
    data = card(evidence())
    assert data["recommendation"]["code"] == "hold"
    assert data["recommendation"]["reasons"][0] == (
        "No composite yet: waiting for Written test, Portfolio, Behavioural interview"
    )

    held = card(evidence(95.0, 95.0), profile(missing_stage="hold"))
    assert held["composite"] is None
    assert held["recommendation"]["code"] == "hold"
    assert "waiting for Behavioural interview" in reasons(held)


def test_rule_2_below_the_reject_cut_off_rejects() -> None:
    # (50 * 45 + 30 * 40 + 20 * 50) / 100 = 44.5
    data = card(evidence(45.0, 40.0, 50.0))
    assert data["composite"] == 44.5
    assert data["recommendation"]["code"] == "reject"
    assert "Composite 44.5 is below the reject cut-off 50" in data["recommendation"]["reasons"]


def test_rule_2_a_stage_under_its_own_minimum_rejects_despite_the_composite() -> None:
    # (50 * 35 + 30 * 100 + 20 * 100) / 100 = 67.5: between the cut-offs, but the written
    # test is under its minimum of 40.
    data = card(evidence(35.0, 100.0, 100.0))
    assert data["composite"] == 67.5
    assert data["recommendation"]["code"] == "reject"
    assert data["recommendation"]["reasons"][0] == "Written test 35.0 is below its minimum 40"
    # Without the minimum the same record is merely on hold.
    relaxed = profile(cutoffs={"hire": 70, "reject": 50})
    assert recommendation(evidence(35.0, 100.0, 100.0), relaxed) == "hold"


def test_rule_2_names_the_stage_before_the_composite() -> None:
    # (50 * 35 + 30 * 40 + 20 * 50) / 100 = 39.5: both the stage minimum and the cut-off fail.
    reasons = card(evidence(35.0, 40.0, 50.0))["recommendation"]["reasons"]
    assert reasons[:2] == [
        "Written test 35.0 is below its minimum 40",
        "Composite 39.5 is below the reject cut-off 50",
    ]


def test_rule_2_comes_before_rule_3() -> None:
    # Reweighted (50 * 45 + 30 * 10) / 80 = 31.9: rejected although the interview is missing.
    data = card(evidence(45.0, 10.0))
    assert data["composite"] == 31.9
    assert data["recommendation"]["code"] == "reject"


@pytest.mark.parametrize(
    "found",
    [
        pytest.param(evidence(95.0, 95.0), id="missing"),
        pytest.param(evidence(95.0, 95.0, statuses={"interview": "pending"}), id="pending"),
        pytest.param(evidence(95.0, 95.0, 95.0, statuses={"interview": "partial"}), id="partial"),
    ],
)
def test_rule_3_an_incomplete_stage_holds_even_with_a_high_composite(found: Evidence) -> None:
    data = card(found)
    assert data["composite"] == 95.0
    assert data["recommendation"]["code"] == "hold"
    assert data["recommendation"]["reasons"][0] == (
        "Composite 95.0 so far; still waiting for Behavioural interview"
    )


@pytest.mark.parametrize("blocking", [INTEGRITY, DISAGREEMENT], ids=["integrity", "disagreement"])
def test_rule_4_a_blocking_flag_holds_a_hire(blocking: dict[str, Any]) -> None:
    data = card(evidence(90.0, 90.0, 90.0, flags=[blocking]))
    assert data["composite"] == 90.0
    assert data["recommendation"]["code"] == "hold"
    assert data["flags"] == [blocking]
    assert "Composite 90.0 reaches the hire cut-off 70" in data["recommendation"]["reasons"]
    assert blocking["message"] in reasons(data)
    # The same flag on a weak candidate changes nothing: they are rejected as before.
    assert recommendation(evidence(20.0, 90.0, 90.0, flags=[blocking])) == "reject"


def test_an_advisory_flag_is_shown_but_never_holds_a_hire() -> None:
    similar = flag("integrity", "similar to another submission, awaiting review", advisory=True)
    data = card(evidence(90.0, 90.0, 90.0, flags=[similar]))
    assert data["recommendation"]["code"] == "hire"
    assert data["flags"] == [similar] and similar["advisory"] is True
    # Beside a blocking flag it changes nothing either way: the blocking one still holds.
    assert recommendation(evidence(90.0, 90.0, 90.0, flags=[similar, INTEGRITY])) == "hold"


def test_rule_4_a_weak_competency_means_hire_with_training_naming_it() -> None:
    items = [Item("technical", "exam", "coding", 90.0, 30.0), *WEAK_COMMUNICATION]
    # (50 * 80 + 30 * 70 + 20 * 75) / 100 = 76
    data = card(evidence(80.0, 70.0, 75.0, items=items))
    result = data["recommendation"]
    assert data["composite"] == 76.0
    assert result["code"] == "hire_with_training"
    assert result["competencies"] == ["communication"]
    assert result["label"] == "Hire, with training in Communication · 沟通"
    # The reason names the score, the floor and the evidence behind it.
    assert (
        "Communication · 沟通 44 is below the floor 60 (explain-gd 40, interview communication 80)"
        in result["reasons"]
    )
    assert "Composite 76.0 reaches the hire cut-off 70" in result["reasons"]


def test_rule_4_several_weak_competencies_are_named_weakest_first() -> None:
    items = [Item("technical", "exam", "coding", 55.0, 30.0), *WEAK_COMMUNICATION]
    result = card(evidence(80.0, 70.0, 75.0, items=items))["recommendation"]
    assert result["code"] == "hire_with_training"
    assert result["competencies"] == ["communication", "technical"]
    assert result["label"] == (
        "Hire, with training in Communication · 沟通, Technical skill · 技术能力"
    )


def test_rule_4_otherwise_hire() -> None:
    items = [Item("technical", "exam", "coding", 90.0, 30.0)]
    data = card(evidence(80.0, 70.0, 75.0, items=items))
    assert data["recommendation"]["code"] == "hire"
    assert data["recommendation"]["label"] == "Hire"
    assert data["recommendation"]["competencies"] == []
    # Exactly at the hire cut-off is a hire ("at or above").
    assert card(evidence(70.0, 70.0, 70.0))["composite"] == 70.0
    assert recommendation(evidence(70.0, 70.0, 70.0)) == "hire"


def test_rule_5_between_the_cut_offs_holds() -> None:
    data = card(evidence(60.0, 60.0, 60.0))
    assert data["recommendation"]["code"] == "hold"
    assert data["recommendation"]["reasons"][0] == (
        "Composite 60.0 is between the reject (50) and hire (70) cut-offs"
    )
    # Exactly at the reject cut-off is not a reject.
    assert recommendation(evidence(50.0, 50.0, 50.0)) == "hold"
    assert recommendation(evidence(49.0, 50.0, 50.0)) == "reject"


def test_over_budget_alone_does_not_block_a_hire() -> None:
    data = card(evidence(90.0, 90.0, 90.0, flags=[OVER_BUDGET]))
    assert data["recommendation"]["code"] == "hire"
    assert [f["code"] for f in data["flags"]] == ["over_budget"]
    assert data["flags"][0]["message"] == (
        "Expects at least 30000 a month; the budget is up to 15000"
    )


# ---------------------------------------------------------------------------------- texts


def test_texts_keep_their_message_id_and_parameters() -> None:
    entry = text("%(done)d of %(n)d cases reviewed", done=1, n=2)
    assert entry == {
        "msgid": "%(done)d of %(n)d cases reviewed",
        "params": {"done": 1, "n": 2},
        "text": "1 of 2 cases reviewed",
    }
    assert text("Hold") == {"msgid": "Hold", "params": {}, "text": "Hold"}
    assert INTEGRITY == {
        "code": "integrity",
        "message": "Exam integrity signals: ip_changed",
        "msgid": "Exam integrity signals: %(signals)s",
        "params": {"signals": "ip_changed"},
    }
    data = card(evidence(80.0, 70.0, 75.0, items=WEAK_COMMUNICATION))
    result = data["recommendation"]
    assert [r["text"] for r in result["reason_texts"]] == result["reasons"]
    assert result["label_text"]["text"] == result["label"]


def test_explain_in_english_gives_the_stored_text(app: Flask) -> None:
    data = card(evidence(80.0, 70.0, 75.0, items=WEAK_COMMUNICATION, flags=[INTEGRITY]))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert [explain(r) for r in data["recommendation"]["reason_texts"]] == (
            data["recommendation"]["reasons"]
        )
        assert explain(data["recommendation"]["label_text"]) == data["recommendation"]["label"]
        assert explain(INTEGRITY) == INTEGRITY["message"]


def test_explain_under_chinese_translates_and_formats(app: Flask) -> None:
    data = card(evidence(80.0, 70.0, 75.0, items=WEAK_COMMUNICATION, flags=[OVER_BUDGET]))
    data["stages"]["written_test"]["detail"] = text(
        "%(points).1f of %(max).0f points", points=58.0, max=80
    )
    with app.test_request_context(headers={"Accept-Language": "zh-CN,zh;q=0.9"}):
        assert str(get_locale()) == "zh_Hans"
        assert explain(text("Portfolio")) == "作品集"  # translated in the catalogue

        shown = [explain(r) for r in data["recommendation"]["reason_texts"]]
        assert all("%(" not in line and "%)" not in line for line in shown)
        weak = next(line for line in shown if "Communication · 沟通" in line)
        # Translated or not, the parameters are filled in.
        assert "44" in weak and "60" in weak and "explain-gd 40" in weak
        label = explain(data["recommendation"]["label_text"])
        assert "Communication · 沟通" in label and "%(" not in label

        local = localized(data)
        assert local["stages"]["portfolio"]["title"] == "作品集"
        detail = local["stages"]["written_test"]["detail_text"]
        assert "58.0" in detail and "80" in detail and "%(" not in detail
        message = local["flags"][0]["message"]
        assert "30000" in message and "15000" in message
    # localized() works on a copy: the stored card keeps its English.
    assert data["stages"]["portfolio"]["title"] == "Portfolio"
    assert "detail_text" not in data["stages"]["written_test"]


def test_stage_names_inside_reasons_are_translated(app: Flask) -> None:
    waiting = card(evidence(95.0))  # the portfolio and the interview are still missing
    failed = card(evidence(30.0, 95.0, 95.0))  # the written test is below its minimum of 40
    assert "still waiting for Portfolio, Behavioural interview" in reasons(waiting)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        shown = " | ".join(
            explain(r)
            for data in (waiting, failed, card(evidence()))
            for r in data["recommendation"]["reason_texts"]
        )
        assert "作品集" in shown and "行为面试" in shown and "笔试" in shown, shown
        for english in ("Portfolio", "Behavioural interview", "Written test"):
            assert english not in shown, shown
