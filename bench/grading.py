"""Grading speed: a reference pandas data-cleaning task with 10 tests
(graders/examples/orders_cleaning.ipynb and its correct submission).

  (a) floor   the same setup, submission and checks in a fresh plain `python` on the host
  (b) naive   `docker run` + nbclient executing setup, submission and tests, per submission
  (c) warm    hirebench submit-to-result latency through the queue with a warm pool, p50/p95
  (d) burst   sustained throughput for a burst of submissions, failures, leftover containers

  (e) objects warm latency for bench/objects/inventory.ipynb: a class and generators, every
              check through remote references, against its own floor (a')

Prints the figures, then a last line of ratios against (a) and (b), measured in this process
because these 2-core machines are noisy. Needs Docker and the sandbox image.
Usage: python bench/grading.py [--warm N] [--burst N] [--floor N] [--naive N]"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hirebench.grading.formats import GraderSpec, load_grader  # noqa: E402

GRADER = ROOT / "graders" / "examples" / "orders_cleaning.ipynb"
POOL = 3  # the default HIREBENCH_SANDBOX_WARM_POOL
SUBMISSION = ROOT / "graders" / "examples" / "submissions" / "orders_cleaning_correct.py"
# A class and generators: every check goes through remote references (bench/objects).
OBJECTS_GRADER = ROOT / "bench" / "objects" / "inventory.ipynb"
OBJECTS_SUBMISSION = ROOT / "bench" / "objects" / "inventory_correct.py"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def plain_script(spec: GraderSpec, submission: str) -> str:
    """Setup, submission and every test, each test guarded so a failure is counted, not fatal."""
    tests = [{"id": t.id, "source": t.source} for t in spec.tests]
    return "\n".join(
        [
            *spec.setup_sources(),
            submission,
            "import json as _json",
            f"_tests = _json.loads({json.dumps(json.dumps(tests))})",
            "_passed = 0",
            "for _t in _tests:",
            "    try:",
            "        exec(_t['source'], dict(globals()))",
            "        _passed += 1",
            "    except AssertionError:",
            "        pass",
            "print(_passed)",
        ]
    )


def measure_floor(spec: GraderSpec, runs: int, submission: str | None = None) -> list[float]:
    script = plain_script(spec, SUBMISSION.read_text() if submission is None else submission)
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(runs):
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", script],
                cwd=folder,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            times.append(time.perf_counter() - started)
            assert out.strip() == str(len(spec.tests)), out
    return times


NAIVE_DRIVER = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.reads(sys.stdin.read(), as_version=4)
NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3").execute()
errors = sum(1 for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error")
print(errors)
"""


def measure_naive(spec: GraderSpec, image: str, runs: int) -> list[float]:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in spec.setup_sources()]
    nb.cells.append(nbformat.v4.new_code_cell(SUBMISSION.read_text()))
    nb.cells += [nbformat.v4.new_code_cell(t.source) for t in spec.tests]
    payload = nbformat.writes(nb)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        out = subprocess.run(
            [
                "docker",
                "run",
                "--rm",
                "-i",
                "--network",
                "none",
                "-e",
                "HOME=/tmp",
                "-w",
                "/tmp",
                image,
                "python3",
                "-c",
                NAIVE_DRIVER,
            ],
            input=payload,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        times.append(time.perf_counter() - started)
        assert out.strip().splitlines()[-1] == "0", out
    return times


def _warm_latencies(
    grading_queue: Any, provider: Any, grader: Path, submission: Path, runs: int
) -> list[float]:
    """Submit-to-result latency with a full warm pool, one submission at a time."""
    content = submission.read_bytes()
    max_points = load_grader(grader).max_points
    latencies = []
    for _ in range(runs):
        provider.pool.wait_ready(POOL, 120)
        started = time.perf_counter()
        job = grading_queue.submit(str(grader), content, submission.name)
        done = grading_queue.wait(job.id, timeout=120)
        latencies.append(time.perf_counter() - started)
        assert done.result and done.result["total"] == max_points, done.result
    return latencies


def measure_queue(warm_runs: int, burst: int) -> dict[str, float]:
    from hirebench import create_app
    from hirebench.extensions import db
    from hirebench.grading import pipeline
    from hirebench.grading import queue as grading_queue
    from hirebench.sandbox.image import SANDBOX_LABEL
    from hirebench.sandbox.runner import OWNER_LABEL, docker_client, owner_label

    content = SUBMISSION.read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                "GRADING_WORKERS": 2,
                "SANDBOX_WARM_POOL": POOL,
            }
        )
        with app.app_context():
            db.create_all()
            provider = pipeline.sandbox_provider(POOL)
            provider.pool.wait_ready(POOL, 120)
            latencies = _warm_latencies(grading_queue, provider, GRADER, SUBMISSION, warm_runs)
            objects = _warm_latencies(
                grading_queue, provider, OBJECTS_GRADER, OBJECTS_SUBMISSION, warm_runs
            )
            provider.pool.wait_ready(POOL, 120)
            started = time.perf_counter()
            ids = [
                grading_queue.submit(str(GRADER), content, SUBMISSION.name).id for _ in range(burst)
            ]
            finished = [grading_queue.wait(job_id, timeout=600) for job_id in ids]
            burst_seconds = time.perf_counter() - started
            failed = [
                job
                for job in finished
                if job.status.value != "done" or not job.result or job.result.get("total") != 13
            ]
            for job in failed[:5]:
                print(
                    f"    failed job {job.id}: {job.status.value} {job.error or ''} "
                    f"{(job.result or {}).get('message', '')}"
                )
            failures = sum(
                1
                for job in finished
                if job.status.value != "done" or not job.result or job.result.get("total") != 13
            )
            grading_queue.shutdown(app)
            pipeline.close_sandbox_provider()
        labels = [f"{SANDBOX_LABEL}=1", f"{OWNER_LABEL}={owner_label()}"]
        leftover = len(docker_client().containers.list(all=True, filters={"label": labels}))
    return {
        "warm_p50": statistics.median(latencies),
        "objects_p50": statistics.median(objects),
        "objects_p95": percentile(objects, 0.95),
        "warm_p95": percentile(latencies, 0.95),
        "burst": burst,
        "burst_seconds": burst_seconds,
        "throughput_per_min": burst / burst_seconds * 60,
        "failures": failures,
        "leftover": leftover,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floor", type=int, default=10)
    parser.add_argument("--naive", type=int, default=5)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--burst", type=int, default=100)
    args = parser.parse_args()

    from hirebench.sandbox.image import build_image

    image = build_image().tag
    spec = load_grader(GRADER)
    print(f"task: {spec.title}: {len(spec.tests)} tests, {spec.max_points:g} points; image {image}")
    floor = measure_floor(spec, args.floor)
    print(
        f"(a) floor  plain python on the host: p50 {statistics.median(floor):.3f} s "
        f"(min {min(floor):.3f}, n={len(floor)})"
    )
    naive = measure_naive(spec, image, args.naive)
    print(
        f"(b) naive  docker run + nbclient:    p50 {statistics.median(naive):.3f} s "
        f"(min {min(naive):.3f}, n={len(naive)})"
    )
    objects_spec = load_grader(OBJECTS_GRADER)
    objects_floor = measure_floor(
        objects_spec, args.floor, OBJECTS_SUBMISSION.read_text(encoding="utf-8")
    )
    print(
        f"(a') floor of the objects task ({len(objects_spec.tests)} tests on a class and "
        f"generators): p50 {statistics.median(objects_floor):.3f} s"
    )
    queued = measure_queue(args.warm, args.burst)
    print(
        f"(e) warm   objects task:             p50 {queued['objects_p50']:.3f} s, "
        f"p95 {queued['objects_p95']:.3f} s (n={args.warm})"
    )
    print(
        f"(c) warm   submit-to-result:         p50 {queued['warm_p50']:.3f} s, "
        f"p95 {queued['warm_p95']:.3f} s (n={args.warm})"
    )
    print(
        f"(d) burst  {args.burst} submissions in {queued['burst_seconds']:.1f} s: "
        f"{queued['throughput_per_min']:.1f}/min, failures {queued['failures']}, "
        f"leftover containers {queued['leftover']}"
    )
    floor_p50, naive_p50 = statistics.median(floor), statistics.median(naive)
    print(
        f"ratios: warm_p50/floor={queued['warm_p50'] / floor_p50:.2f} "
        f"warm_p50/naive={queued['warm_p50'] / naive_p50:.2f} "
        f"objects_p50/floor={queued['objects_p50'] / statistics.median(objects_floor):.2f} "
        f"throughput_per_min={queued['throughput_per_min']:.1f} "
        f"failures={queued['failures']} leftover_containers={queued['leftover']}"
    )


if __name__ == "__main__":
    main()
