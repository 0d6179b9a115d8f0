"""GradingWorker's command listener: stopping it never waits out RQ's 60-second listening
sleep, which made burst runs and SIGTERM take a minute whenever the unsubscribe confirmation
reached the listening thread before the stop flag did."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from redis import Redis
from rq import Queue

from hirebench.grading.redis_jobs import PUBSUB_POLL_SECONDS, GradingWorker
from tests.polling import wait_for

pytestmark = pytest.mark.redis


def test_stopping_after_the_unsubscribe_was_confirmed_takes_one_poll(
    app: Flask, redis_url: str
) -> None:
    connection = Redis.from_url(redis_url)
    worker = GradingWorker(
        [Queue("grading", connection=connection)], connection=connection, app=app
    )
    worker.subscribe()
    assert worker.pubsub is not None and worker.pubsub_thread is not None
    channel = worker.pubsub_channel_name.encode()
    wait_for(lambda: channel in connection.pubsub_channels(), 10, "the subscription")
    # The losing order of the race, made certain: the thread reads the confirmation and goes
    # back to waiting for a subscription before anyone asks it to stop.
    worker.pubsub.unsubscribe()
    wait_for(lambda: not worker.pubsub.subscribed, 10, "the unsubscribe confirmation")
    time.sleep(0.2)
    started = time.monotonic()
    worker.unsubscribe()
    waited = time.monotonic() - started
    assert not worker.pubsub_thread.is_alive()
    assert waited < PUBSUB_POLL_SECONDS + 5, f"stopping took {waited:.1f} s (RQ's default: 60)"
