"""Attacks on the remote-reference surface: hostile submissions against refs_target_grader.ipynb,
whose tests use the candidate's live objects (a class, generators, an endless generator, a
function returning a dict, a function that calls the test's own function). Each attack must
earn nothing on the tests it targets, finish in bounded time, leave no container behind and
leak no hidden test text into the candidate's view. The honest control earns every point.

The first tests run on the host: they pin the judge-side fixes these attacks led to."""

from __future__ import annotations

import json
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hirebench.grading.formats import load_grader
from hirebench.grading.pipeline import PooledSandboxes, Submission, grade
from hirebench.grading.result import (
    GradeResult,
    ResultStatus,
    TestResult,
    TestStatus,
    candidate_result,
)
from hirebench.paths import PROJECT_ROOT
from hirebench.sandbox.limits import SandboxLimits
from tests.conftest import sandbox_containers

sys.path.insert(0, str(PROJECT_ROOT / "sandbox" / "runner"))
import hbremote
import hbvalues

ATTACKS = Path(__file__).with_name("attacks")
GRADER = ATTACKS / "refs_target_grader.ipynb"
CANARY = "HIDDEN-CANARY-" + "7c2d"
LIMITS = SandboxLimits(cell_timeout=5, wall_seconds=90, memory_mb=512)
TIMEOUT = 5  # the grader's default_timeout
EMPTY = {"t": "index", "dtype": "int64", "name": {"t": "none"}, "v": []}
ALL_TESTS = {
    "account_visible",
    "account_hidden",
    "mean_hidden",
    "mean_unguarded",
    "totals_visible",
    "totals_hidden",
    "forever_hidden",
    "transform_hidden",
    "counts_visible",
    "counts_hidden",
}


# on the host: what decoding may build, and callbacks that would wait on themselves ----------


@pytest.mark.parametrize(
    "data",
    [
        {"t": "pyrange", "v": ["0", "100000000", "1"]},
        {"t": "pyrange", "v": ["0", str(10**30), "1"]},
        {"t": "range", "start": 0, "stop": 10**15, "step": 1, "name": {"t": "none"}},
    ],
)
def test_the_judge_reads_no_range_longer_than_a_list_may_be(data: dict[str, Any]) -> None:
    with pytest.raises(hbvalues.MalformedValue, match="too long"):
        hbvalues.decode(data, max_range=hbvalues.MAX_RANGE)
    # The kernel may still be given one: a test can pass range(10**8) into candidate code.
    assert hbvalues.decode(data)[-1] >= hbvalues.MAX_RANGE


@pytest.mark.parametrize(
    "data",
    [
        {"t": "np.scalar", "dtype": "U200000000", "v": {"t": "str", "v": "x"}},
        {"t": "ndarray", "dtype": "S1000000", "shape": [100], "v": [{"t": "bytes", "v": ""}] * 100},
        {"t": "series", "dtype": "S100000000", "name": {"t": "none"}, "v": [], "index": EMPTY},
    ],
)
def test_a_dtype_too_wide_to_build_is_malformed(data: dict[str, Any]) -> None:
    with pytest.raises(hbvalues.MalformedValue, match="more memory than a value may"):
        hbvalues.decode(data)


def test_a_short_range_and_a_narrow_dtype_still_decode() -> None:
    assert hbvalues.decode({"t": "pyrange", "v": ["0", "10", "2"]}, max_range=10) == range(0, 10, 2)
    scalar = hbvalues.decode({"t": "np.scalar", "dtype": "<U5", "v": {"t": "str", "v": "abc"}})
    assert scalar == "abc" and type(scalar) is np.str_


def _reference(type_name: str) -> Any:
    remote = hbremote.Remote(lambda request: {"kind": "data", "value": hbvalues.encode(None)})
    reply = {"kind": "ref", "id": 3, "type": type_name}
    return remote.read({**reply, "callable": False, "class": False, "iterator": False})


def test_a_reference_never_passes_for_a_number() -> None:
    # Numbers and None always cross as data: a reference claiming one is an impostor, and
    # isinstance(x, float) is the guard before `abs(x - expected) < tol`.
    for claim, kind in [
        ("builtins.float", float),
        ("builtins.int", int),
        ("builtins.bool", int),
        ("builtins.complex", complex),
        ("builtins.NoneType", type(None)),
        ("numpy.float64", float),
    ]:
        assert not isinstance(_reference(claim), kind), claim
    assert isinstance(_reference("builtins.list"), list)  # too large to copy, say
    assert isinstance(_reference("builtins.generator"), types.GeneratorType)


def _callback_request(index: int, *args: dict[str, Any]) -> str:
    return json.dumps({"callback": index, "args": list(args)})


def test_a_callback_cannot_ask_the_busy_kernel_and_answers_inline() -> None:
    asked: list[dict[str, Any]] = []

    def transport(request: dict[str, Any]) -> dict[str, Any]:
        asked.append(request)
        return {"kind": "data", "value": hbvalues.encode(1)}

    remote = hbremote.Remote(transport)
    uses_object = remote.argument(lambda obj: obj.real)["callback"]
    wide = remote.argument(lambda n: list(range(n)))["callback"]
    candidate_object = {"kind": "ref", "id": 7, "type": "__main__.Opaque"}
    candidate_object.update({"callable": False, "class": False, "iterator": False})

    answer = json.loads(remote.answer_callback(_callback_request(uses_object, candidate_object)))
    assert answer["kind"] == "raised" and answer["type"] == "CallbackError"
    assert "cannot use the candidate's objects" in answer["message"]
    answer = json.loads(
        remote.answer_callback(
            _callback_request(wide, {"kind": "data", "value": hbvalues.encode(50_000)})
        )
    )
    assert answer["kind"] == "value" and "data" in answer["value"]  # not `put`: no request
    assert asked == []
    assert remote.ask("getattr", target={"ref": 7}, name="real") == 1  # outside a callback


# in the sandbox ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandboxes(docker_engine: object) -> Iterator[PooledSandboxes]:
    provider = PooledSandboxes(pool_size=2, limits=LIMITS)
    yield provider
    provider.close()
    assert sandbox_containers() == [], "sandboxes left behind"


def run(sandboxes: PooledSandboxes, name: str) -> tuple[GradeResult, float]:
    spec = load_grader(GRADER)
    content = (ATTACKS / name).read_bytes()
    started = time.monotonic()
    result = grade(spec, Submission(content, name), sandboxes, mode="full", limits=LIMITS)
    return result, time.monotonic() - started


def by_id(result: GradeResult) -> dict[str, TestResult]:
    return {test.id: test for test in result.tests}


def assert_contained(result: GradeResult, elapsed: float, targeted: set[str], bound: float) -> None:
    """Nothing earned on the targeted tests, a bounded run, caps held, no hidden text leaked."""
    tests = by_id(result)
    assert set(tests) == ALL_TESTS, result.message
    earned = {test_id: tests[test_id].points for test_id in targeted if tests[test_id].points}
    assert earned == {}, [(t.id, t.status, t.staff.message) for t in result.tests]
    assert elapsed < bound, f"grading took {elapsed:.0f} s"
    assert CANARY not in json.dumps(candidate_result(result.to_json())), "hidden test leaked"
    assert len(json.dumps(result.to_json())) < 50_000, "output caps did not hold"


@pytest.mark.docker
@pytest.mark.slow
def test_honest_control_earns_every_point(sandboxes: PooledSandboxes) -> None:
    result, _ = run(sandboxes, "refs_honest.py")
    assert {t.id: t.status for t in result.tests} == dict.fromkeys(ALL_TESTS, TestStatus.passed)
    assert result.total == len(ALL_TESTS)


# Attacks whose every answer is wrong: nothing may pass, whatever the judge is made to do.
EVERYTHING = [
    "refs_lying_methods.py",
    "refs_getattr.py",
    "refs_shadow.py",
    "refs_forge.py",
    "refs_impostors.py",
    "refs_callbacks.py",
    "refs_huge_graph.py",
]


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("name", EVERYTHING)
def test_attack_earns_nothing(sandboxes: PooledSandboxes, name: str) -> None:
    result, elapsed = run(sandboxes, name)
    assert_contained(result, elapsed, ALL_TESTS, bound=60)
    assert result.total == 0
    assert result.status is ResultStatus.graded, result.message  # the judge survived


@pytest.mark.docker
@pytest.mark.slow
def test_a_test_reads_its_own_import_not_the_candidates(sandboxes: PooledSandboxes) -> None:
    # The reference solution binds Counter, so tests read the candidate's Counter; the counts
    # test imports its own, and must compare against that, not the candidate's fake.
    result, _ = run(sandboxes, "refs_shadow.py")
    counts = by_id(result)["counts_hidden"]
    assert counts.status is TestStatus.failed
    assert "{'alpha': " in counts.staff.message and "'beta'" in counts.staff.message


@pytest.mark.docker
@pytest.mark.slow
def test_a_huge_object_graph_fails_fast_with_a_clear_error(sandboxes: PooledSandboxes) -> None:
    result, _ = run(sandboxes, "refs_huge_graph.py")
    tests = by_id(result)
    assert all(test.seconds < TIMEOUT for test in result.tests)
    assert "too large to check" in tests["account_visible"].staff.message
    assert "nested too deeply" in tests["transform_hidden"].staff.message
    assert "too long to copy" in tests["totals_hidden"].staff.message  # range(10**15)
    assert "too large to check" in tests["counts_visible"].staff.message


@pytest.mark.docker
@pytest.mark.slow
def test_an_endless_generator_ends_at_the_deadline_and_later_tests_run(
    sandboxes: PooledSandboxes,
) -> None:
    result, elapsed = run(sandboxes, "refs_endless.py")
    targeted = {"totals_visible", "totals_hidden", "forever_hidden"}
    assert_contained(result, elapsed, targeted, bound=45)
    tests = by_id(result)
    for test_id in targeted:
        assert tests[test_id].status is TestStatus.timeout
        assert tests[test_id].seconds < TIMEOUT + 1.5
    honest = ALL_TESTS - targeted - {"transform_hidden"}
    assert {test_id: tests[test_id].status for test_id in honest} == dict.fromkeys(
        honest, TestStatus.passed
    )


@pytest.mark.docker
@pytest.mark.slow
def test_a_kernel_that_ignores_interrupts_is_written_off(sandboxes: PooledSandboxes) -> None:
    result, elapsed = run(sandboxes, "refs_stubborn.py")
    assert_contained(result, elapsed, ALL_TESTS, bound=40)
    tests = by_id(result)
    assert tests["totals_visible"].status is TestStatus.timeout
    assert tests["totals_visible"].seconds < TIMEOUT + 3
    # Written off once it had INTERRUPT_GRACE to stop: the last tests end at once.
    for test_id in ("counts_visible", "counts_hidden"):
        assert tests[test_id].status is TestStatus.error
        assert "no longer running" in tests[test_id].staff.message
        assert tests[test_id].seconds < 1


@pytest.mark.docker
@pytest.mark.slow
def test_references_after_the_kernel_dies_error_cleanly(sandboxes: PooledSandboxes) -> None:
    result, elapsed = run(sandboxes, "refs_kernel_death.py")
    assert_contained(result, elapsed, ALL_TESTS - {"account_visible"}, bound=30)
    tests = by_id(result)
    assert tests["account_visible"].status is TestStatus.passed
    assert tests["account_hidden"].status is TestStatus.error
    assert "kernel died" in tests["account_hidden"].staff.message
    for test_id in ALL_TESTS - {"account_visible", "account_hidden"}:
        assert tests[test_id].status is TestStatus.error
        assert "no longer running" in tests[test_id].staff.message
        assert tests[test_id].seconds < 1
