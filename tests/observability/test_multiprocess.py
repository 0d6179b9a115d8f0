"""Several processes, as gunicorn runs them: with PROMETHEUS_MULTIPROC_DIR set, a scrape
answered by any one process adds up what every process recorded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.observability.conftest import sample

# Run in a fresh interpreter: prometheus-client picks its storage when first imported.
SCRIPT = """
import sys
from hirebench import create_app
from hirebench.extensions import db

app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    db.create_all()
client = app.test_client()
for _ in range(int(sys.argv[2])):
    assert client.get("/api/v1/health/live").status_code == 200
if sys.argv[3] == "scrape":
    sys.stdout.write(client.get("/metrics").get_data(as_text=True))
"""


def _run(env: dict[str, str], database: str, requests: int, scrape: bool) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, database, str(requests), "scrape" if scrape else "-"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow  # two fresh interpreters that import the whole app
def test_a_scrape_sums_every_process(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "HIREBENCH_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    _run(env, database, 3, scrape=False)
    text = _run(env, database, 4, scrape=True)
    labels = {"endpoint": "api.health_live", "method": "GET", "status": "200"}
    assert sample(text, "hirebench_http_request_duration_seconds_count", **labels) == 7
    # Scrape-time values are there too, once.
    assert text.count("# TYPE hirebench_grading_queue_jobs gauge") == 1
    assert any(metrics_dir.iterdir())  # the samples really went through the files
