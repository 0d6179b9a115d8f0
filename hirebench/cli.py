"""The `hirebench` console script. Commands are thin: they call the same services as the web."""

from __future__ import annotations

import json
import logging
import socket
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from redis import Redis
from redis.exceptions import RedisError
from waitress import serve as waitress_serve

from hirebench.analytics.cli import analytics_group, performance_group
from hirebench.exams.cli import candidates_group, exams_group
from hirebench.extensions import db
from hirebench.grading import process as grading_process
from hirebench.grading import queue as grading_queue
from hirebench.grading.cli import grader_group
from hirebench.grading.formats import GraderError, load_grader
from hirebench.grading.pipeline import PooledSandboxes, Submission
from hirebench.grading.pipeline import grade as run_grade
from hirebench.grading.redis_jobs import GRADING_QUEUE, GradingWorker
from hirebench.grading.result import GradeResult
from hirebench.handoff.cli import hires_group
from hirebench.integrity.cli import integrity_group
from hirebench.models import ApiToken, Role
from hirebench.models.api_tokens import DEFAULT_SCOPE, SCOPES
from hirebench.offers.cli import offers_group
from hirebench.onboarding.cli import onboarding_group
from hirebench.ops.cli import backup_command, compose_group, restore_command
from hirebench.outbox import dispatcher as outbox_dispatcher
from hirebench.outbox.cli import webhooks_group
from hirebench.paths import PROJECT_ROOT
from hirebench.privacy.cli import privacy_group
from hirebench.reviews.cli import interviews_group, load_shipped_content, rubrics_group
from hirebench.sandbox.image import SandboxBuildError, build_image
from hirebench.sandbox.runner import SandboxError
from hirebench.scorecards.cli import scorecards_group
from hirebench.screening.cli import resumes_group
from hirebench.services import accounts, api_tokens, demo, health
from hirebench.services.errors import ServiceError

logger = logging.getLogger(__name__)


def register(app: Flask) -> None:
    commands = (
        init_db,
        create_user,
        seed_demo,
        serve,
        worker,
        sandbox,
        grade,
        grader_group,
        exams_group,
        candidates_group,
        rubrics_group,
        interviews_group,
        scorecards_group,
        resumes_group,
        analytics_group,
        performance_group,
        api_token_group,
        hires_group,
        webhooks_group,
        offers_group,
        onboarding_group,
        integrity_group,
        privacy_group,
        backup_command,
        restore_command,
        compose_group,
    )
    for command in commands:
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema to the latest migration."""
    upgrade()
    load_shipped_content(PROJECT_ROOT)
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", default="")
@click.option("--password", default=None, help="Generated and printed when omitted.")
@with_appcontext
def create_user(email: str, role: str, name: str, password: str | None) -> None:
    """Create an account."""
    try:
        user, generated = accounts.create_user(email, role, name=name, password=password)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {user.role.value} {user.email}")
    if generated:
        click.echo(f"password: {generated}")


@click.group("api-token")
def api_token_group() -> None:
    """Tokens for the JSON API (docs/api.md)."""


@api_token_group.command("create")
@click.option("--name", required=True, help="What will use the token, e.g. the ATS.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(SCOPES),
    default=(DEFAULT_SCOPE,),
    show_default=True,
    help="What the token may read; repeat for several.",
)
@with_appcontext
def api_token_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create a token and print it, once."""
    try:
        token, raw = api_tokens.create(name, by=None, scopes=scopes)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created API token {token.id} ({token.name})")
    click.echo(f"token: {raw}")
    click.echo("Store it now: only its hash is kept, so it cannot be shown again.", err=True)


@api_token_group.command("list")
@with_appcontext
def api_token_list() -> None:
    """List tokens, active first. Secrets are never shown; the prefix tells them apart."""
    tokens = api_tokens.active_and_revoked()
    if not tokens:
        click.echo("no API tokens")
    for token in tokens:
        last_used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
        click.echo(
            f"{token.id:>4}  {token.prefix}…  {state:<24}  "
            f"created {token.created_at:%Y-%m-%d %H:%M}  last used {last_used}  "
            f"[{token.scopes}]  {token.name}"
        )


@api_token_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def api_token_revoke(token_id: int) -> None:
    """Revoke a token by id (see `list`). Revoking twice is harmless."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"no API token with id {token_id}")
    api_tokens.revoke(token, by=None)
    db.session.commit()
    click.echo(f"revoked API token {token.id} ({token.name})")


@click.command("seed-demo")
@click.option("--password", default=demo.DEMO_PASSWORD, show_default=True)
@click.option(
    "--grading-timeout",
    default=300.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds to wait for the demo submissions to be graded.",
)
@with_appcontext
def seed_demo(password: str, grading_timeout: float) -> None:
    """Load demo data, grade the demo submissions, and print the demo logins."""
    before = demo.last_grading_job_id()
    try:
        created = demo.seed_demo(password)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    _finish_demo_grading(demo.grading_jobs_since(before), grading_timeout)
    click.echo(f"Demo job: {demo.DEMO_JOB_TITLE}")
    click.echo(f"Demo logins (password: {password}):")
    for account in created:
        click.echo(f"  {account.role.value:<12} {account.email}")


def _finish_demo_grading(job_ids: list[int], timeout: float) -> None:
    """The demo's submissions are graded by this process's grading threads. Exiting while they
    run would leave the jobs to be found "lost" by the next start, so wait for them, and after
    `timeout` hand the rest back to the queue cleanly. Either way, this process's sandboxes go."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not job_ids:
        return
    if not grading_process.grades_here(app):
        click.echo(f"{len(job_ids)} demo submissions queued: the grading workers will grade them")
        return

    def progress(finished: int, total: int) -> None:
        click.echo(f"grading demo submissions: {finished}/{total} done")

    finished = grading_queue.wait_all(job_ids, timeout, progress)
    grading_process.stop_process(app, "seed-demo stopped waiting", resume=True)
    if finished < len(job_ids):
        click.echo(
            f"{len(job_ids) - finished} demo submissions not graded after {timeout:g} s are "
            "back in the queue: `hirebench serve` grades them when it starts."
        )


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option(
    "--connections",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Open connections at most: every candidate's page keeps one open (bench/README.md).",
)
@with_appcontext
def serve(host: str, port: int, threads: int, connections: int) -> None:
    """Serve the portal with waitress (a production WSGI server, one process, many threads).

    Grading starts with the process (docs/grading-queue.md): leftovers of a dead process are
    recovered before the first request. SIGTERM or Ctrl-C hands running grading jobs back."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _stop_on_signals()
    try:
        grading_process.start_process(app)
        # Webhooks and mail leave from here too (docs/webhooks.md), never from a request.
        outbox_dispatcher.start(app)
        click.echo(f"hirebench on http://{host}:{port}/  (Ctrl-C stops)")
        # waitress returns when the signal handler raises SystemExit in its loop.
        # waitress' default is 100 open connections; every exam page keeps one alive, so past
        # 100 candidates new pages waited for an idle one to time out (bench/load.py). poll(),
        # unlike select(), has no limit of 1024 descriptors.
        waitress_serve(
            app,
            host=host,
            port=port,
            threads=threads,
            connection_limit=connections,
            asyncore_use_poll=True,
        )
    finally:
        outbox_dispatcher.stop(app)
        handed = grading_process.stop_process(app)
        logger.info("stopped; %d grading jobs handed back", handed)


def _stop_on_signals() -> None:
    """SIGTERM and SIGINT stop the server: from then on no grading job is claimed, and the
    `finally` of the command hands the running ones back. A second signal is ignored, so it
    cannot cut that hand-back short."""
    import signal
    import threading
    from types import FrameType

    received = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if received.is_set():
            logger.warning("already stopping; signal %s ignored", signum)
            return
        received.set()
        grading_process.request_stop(signum)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit once the queue is empty.")
@click.option("--queue", "queues", multiple=True, default=[GRADING_QUEUE], show_default=True)
@with_appcontext
def worker(burst: bool, queues: tuple[str, ...]) -> None:
    """Run an RQ worker on HIREBENCH_REDIS_URL. Start as many as you like, on any hosts.
    SIGTERM or Ctrl-C hands the running grading job back at once."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config["REDIS_URL"]
    if not url:
        raise click.ClickException(
            "HIREBENCH_REDIS_URL is not set. Without it the web process grades in-process "
            "and no separate worker is needed."
        )
    connection = Redis.from_url(url)
    try:
        connection.ping()
    except RedisError as exc:
        raise click.ClickException(f"Cannot reach Redis at {url}: {exc}") from exc
    try:
        # Reap what a dead process left behind, requeue its jobs, start the warm pool.
        grading_process.start_process(app)
        # Every worker delivers the outbox too; row leases keep them from sending one twice.
        outbox_dispatcher.start(app)
        GradingWorker(list(queues), connection=connection, app=app).work(burst=burst)
    finally:
        outbox_dispatcher.stop(app)
        grading_process.stop_process(app)


def worker_selfcheck() -> dict[str, Any]:
    """An RQ job that proves a `hirebench worker` reaches the database with the configuration
    it was started with (GradingWorker runs it in the worker's app)."""
    return {"database": health.database_state(), "host": socket.gethostname()}


def _grade_queued(
    grader_ref: str, content: bytes, name: str, mode: str, as_json: bool, timeout: float
) -> None:
    """Submit to the queue, wait, and print the stored result; the job's lines go to stderr,
    so --json stays one object. Without Redis this process grades it in its own threads, and
    stops them (handing the job back if unfinished) before it exits, as seed-demo does."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        job_id = grading_queue.submit(grader_ref, content, name, mode=mode).id
        click.echo(f"grading job {job_id} queued", err=True)
        job = grading_queue.wait(job_id, timeout=timeout)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    except TimeoutError as exc:
        raise click.ClickException(f"{exc}; it stays queued for the workers") from exc
    finally:
        if grading_process.grades_here(app):
            grading_process.stop_process(app, "hirebench grade --queue stopped waiting")
    note = f", {job.error}" if job.error else ""
    click.echo(
        f"grading job {job.id}: {job.status.value} after {job.attempts} attempt(s) "
        f"by {job.worker}{note}",
        err=True,
    )
    if as_json:
        click.echo(json.dumps(job.result, ensure_ascii=False))
    else:
        _echo_result(job.result or {})


def _echo_result(data: dict[str, Any]) -> None:
    """A stored result (docs/result-json.md) in the words of a local run's summary."""
    click.echo(f"{data.get('total', 0):g} / {data.get('max_total', 0):g}  ({data.get('status')})")
    if data.get("message"):
        click.echo(data["message"])
    for test in data.get("tests", []):
        hidden = " (hidden)" if test.get("hidden") else ""
        message = f"  {test['message']}" if test.get("message") else ""
        click.echo(
            f"  {test.get('status', ''):<8} {test.get('points', 0):g}/{test.get('max_points', 0):g}"
            f"  {test.get('id')}{hidden}{message}"
        )


@click.group("sandbox")
def sandbox() -> None:
    """The Docker sandbox image that grades candidate code."""


@sandbox.command("build")
@click.option(
    "--offline/--dockerfile",
    "offline",
    default=None,
    help="Debootstrap from the host's apt mirror (default) or use sandbox/Dockerfile.",
)
@click.option("--force", is_flag=True, help="Rebuild even if the hashed tag exists.")
def sandbox_build(offline: bool | None, force: bool) -> None:
    """Build the sandbox image, tagged with a hash of its content. Idempotent."""
    try:
        result = build_image(offline=offline, force=force)
    except SandboxBuildError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"sandbox image {result.tag}: {result.status} ({result.method}, "
        f"{result.seconds:.1f} s, {result.size_bytes / 1e6:.0f} MB)"
    )


@click.command("grade")
@click.option("--grader", "grader_path", required=True, type=click.Path(dir_okay=False))
@click.option("--submission", "submission_path", required=True, type=click.Path(dir_okay=False))
@click.option("--mode", type=click.Choice(["full", "visible"]), default="full", show_default=True)
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object (docs/result-json.md)."
)
@click.option(
    "--details",
    is_flag=True,
    help="After each test that did not pass, print what staff see: the judge's message, the "
    "traceback and the test's output (hidden tests included).",
)
@click.option(
    "--queue",
    "queued",
    is_flag=True,
    help="Submit it to the grading queue instead, as the portal does, and wait for a worker's "
    "result: a check that the workers grade. They must read the grader at the same path.",
)
@click.option(
    "--wait",
    "wait_seconds",
    default=600.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="With --queue: seconds to wait for the result.",
)
@with_appcontext
def grade(
    grader_path: str,
    submission_path: str,
    mode: str,
    as_json: bool,
    details: bool,
    queued: bool,
    wait_seconds: float,
) -> None:
    """Grade one submission in a sandbox, as the portal does. Exits 0 whenever grading completed."""
    from pathlib import Path

    try:
        content = Path(submission_path).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read the submission: {exc}") from exc
    if queued:
        if details:
            raise click.UsageError("--details needs the result of a local run, without --queue")
        grader_ref = str(Path(grader_path).resolve())
        _grade_queued(grader_ref, content, Path(submission_path).name, mode, as_json, wait_seconds)
        return
    try:
        spec = load_grader(Path(grader_path))
    except (GraderError, OSError) as exc:
        result = GradeResult.failure(f"the grader notebook is invalid: {exc}", mode=mode)
    else:
        try:
            sandboxes = PooledSandboxes(pool_size=0)
        except SandboxError as exc:
            raise click.ClickException(str(exc)) from exc
        try:
            result = run_grade(
                spec, Submission(content, Path(submission_path).name), sandboxes, mode=mode
            )
        finally:
            sandboxes.close()
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        return
    click.echo(f"{result.total:g} / {result.max_total:g}  ({result.status.value})")
    if result.message:
        click.echo(result.message)
    for test in result.tests:
        hidden = " (hidden)" if test.hidden else ""
        click.echo(
            f"  {test.status.value:<8} {test.points:g}/{test.max_points:g}  {test.id}{hidden}"
            + (f"  {test.message}" if test.message else "")
        )
        if details:
            for line in test.staff_lines():
                click.echo(line)
    if details:
        for judged in result.staff.judge_errors:
            click.echo(f"  grader cell {judged.label} failed on the judge's side: {judged.error}")
