"""The attack suite: hostile submissions that know how the grader works. Each one must earn
nothing on the tests it targets, the grading must finish in bounded time, and no container may
be left behind. The honest control shows the targeted tests can pass."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hirebench.grading.formats import load_grader
from hirebench.grading.pipeline import PooledSandboxes, Submission, grade
from hirebench.grading.result import GradeResult, TestStatus, candidate_result
from hirebench.sandbox.limits import SandboxLimits
from tests.conftest import sandbox_containers

pytestmark = [pytest.mark.docker, pytest.mark.slow]
ATTACKS = Path(__file__).with_name("attacks")
CANARY = "HIDDEN-CANARY-" + "1b7e"
LIMITS = SandboxLimits(cell_timeout=5, wall_seconds=90, memory_mb=512)


@pytest.fixture(scope="module")
def sandboxes(docker_engine: object) -> Iterator[PooledSandboxes]:
    provider = PooledSandboxes(pool_size=2, limits=LIMITS)
    yield provider
    provider.close()
    assert sandbox_containers() == [], "sandboxes left behind"


def run(sandboxes: PooledSandboxes, name: str) -> GradeResult:
    spec = load_grader(ATTACKS / "target_grader.ipynb")
    content = (ATTACKS / name).read_bytes()
    return grade(spec, Submission(content, name), sandboxes, mode="full", limits=LIMITS)


def statuses(result: GradeResult) -> dict[str, TestStatus]:
    return {test.id: test.status for test in result.tests}


def test_honest_control_earns_the_targeted_points(sandboxes: PooledSandboxes) -> None:
    result = run(sandboxes, "honest.py")
    got = statuses(result)
    assert got["add_visible"] is got["add_hidden"] is got["dedupe_hidden"] is TestStatus.passed
    assert result.total == 3
    assert got["leak"] is got["network"] is got["escape"] is TestStatus.failed


ATTACK_FILES = [
    "fake_results_file.py",
    "mimic_output.py",
    "always_equal.py",
    "monkeypatch.py",
    "read_hidden.py",
    "sys_exit.py",
    "os_exit.py",
    "kill_everything.py",
    "fork_bomb.py",
    "memory_bomb.py",
    "infinite_loop.py",
    "output_flood.py",
    "network.py",
    "write_outside.py",
]


@pytest.mark.parametrize("name", ATTACK_FILES)
def test_attack_earns_nothing(sandboxes: PooledSandboxes, name: str) -> None:
    started = time.monotonic()
    result = run(sandboxes, name)
    elapsed = time.monotonic() - started
    passed = [t.id for t in result.tests if t.status is TestStatus.passed]
    assert result.total == 0, (passed, result.message, [t.message for t in result.tests])
    assert passed == []
    assert elapsed < 75, f"grading took {elapsed:.0f} s"
    serialized = json.dumps(result.to_json())
    # Staff may read a hidden test's traceback; the candidate's view must not hold its text.
    assert CANARY not in json.dumps(candidate_result(result.to_json())), "hidden test leaked"
    assert len(serialized) < 50_000, "output caps did not hold"
