"""bench/load.py's machinery on five candidates for a few seconds, so that the bench cannot rot:
the same script, a real `hirebench serve` on SQLite and real sandboxes, only smaller. Nothing
here is timed; what it asserts is what the bench promises: no request failed, nothing
acknowledged was lost, every submission was graded, and the last line parses."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import docker
import pytest

ROOT = Path(__file__).resolve().parents[2]
RATIOS = re.compile(
    r"ratios: autosave_p50_ms=(?P<p50>[\d.]+) autosave_p99_ms=(?P<p99>[\d.]+) "
    r"autosave_p99/single_p99=(?P<ratio>[\d.]+) start_p99_ms=(?P<start>[\d.]+) "
    r"drain_s=(?P<drain>-?[\d.]+) errors=(?P<errors>\d+) lost=(?P<lost>\d+)"
)


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_load_bench_runs_on_sqlite(docker_engine: docker.DockerClient) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "bench/load.py",
            "--backend=sqlite",
            "--candidates=5",
            "--seconds=4",
            "--interval=1",
            "--spike=5",
            "--window=2",
            "--baseline=20",
            "--drain-timeout=300",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    lines = run.stdout.strip().splitlines()
    ratios = RATIOS.fullmatch(lines[-1])
    assert ratios is not None, output
    assert ratios["errors"] == "0", output
    assert ratios["lost"] == "0", output
    assert float(ratios["p99"]) >= float(ratios["p50"]) > 0
    # Something was measured and checked: every phase ran, every submission was graded.
    assert "(b) start: 5 of 5 started" in run.stdout, output
    assert "(c) deadline: 5 submitted, 5 graded" in run.stdout, output
    checked = re.search(r"checked (\d+) acknowledged answers: 0 lost", run.stdout)
    assert checked is not None and int(checked[1]) >= 10, output
