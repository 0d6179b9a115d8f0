"""The `hirebench` console script. Commands are thin: they call the same services as the web."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from hirebench.extensions import db
from hirebench.models import Role
from hirebench.queue import GRADING_QUEUE
from hirebench.services import accounts, demo
from hirebench.services.errors import ServiceError


def _create_app() -> Flask:
    from hirebench import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """hirebench: hiring platform for AI trainers."""


def register(app: Flask) -> None:
    for command in (init_db, create_user, seed_demo, serve, worker, sandbox):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema to the latest migration."""
    upgrade()
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


@click.command("seed-demo")
@click.option("--password", default=demo.DEMO_PASSWORD, show_default=True)
@with_appcontext
def seed_demo(password: str) -> None:
    """Load demo data and print the demo logins."""
    try:
        created = demo.seed_demo(password)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Demo job: {demo.DEMO_JOB_TITLE}")
    click.echo(f"Demo logins (password: {password}):")
    for account in created:
        click.echo(f"  {account.role.value:<12} {account.email}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int, threads: int) -> None:
    """Serve the portal with waitress (a production WSGI server, one process, many threads)."""
    from waitress import serve as waitress_serve

    click.echo(f"hirebench on http://{host}:{port}/  (Ctrl-C stops)")
    waitress_serve(current_app._get_current_object(), host=host, port=port, threads=threads)  # type: ignore[attr-defined]


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit once the queue is empty.")
@click.option("--queue", "queues", multiple=True, default=[GRADING_QUEUE], show_default=True)
@with_appcontext
def worker(burst: bool, queues: tuple[str, ...]) -> None:
    """Run an RQ worker on HIREBENCH_REDIS_URL. Start as many as you like, on any hosts."""
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Worker

    url = current_app.config["REDIS_URL"]
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
    Worker(list(queues), connection=connection).work(burst=burst)


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
    from hirebench.sandbox.image import SandboxBuildError, build_image

    try:
        result = build_image(offline=offline, force=force)
    except SandboxBuildError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"sandbox image {result.tag}: {result.status} ({result.method}, "
        f"{result.seconds:.1f} s, {result.size_bytes / 1e6:.0f} MB)"
    )
