"""Helpers for reading /metrics as Prometheus would, and for reading JSON log lines."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name` with exactly these labels in a scrape; 0 when absent
    (a counter or histogram not yet touched has no sample)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0


def scrape(client: FlaskClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """A test that builds a JSON-logging app leaves the root logger as it found it, so later
    tests do not write to this test's closed capture."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
