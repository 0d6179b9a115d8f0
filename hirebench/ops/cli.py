"""`hirebench backup PATH` and `hirebench restore PATH` (docs/operations.md, "Backups"), and
`hirebench compose build --offline` (docs/operations.md, "docker-compose")."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from hirebench.ops.backup import create_backup
from hirebench.ops.compose import ComposeBuildError, build_offline
from hirebench.ops.manifest import BackupError
from hirebench.ops.restore import restore_backup, verify
from hirebench.sandbox.image import SandboxBuildError, build_image

COMPOSE_FILES = "-f docker-compose.yml -f docker-compose.offline.yml"


def _instance() -> tuple[str, Path]:
    return str(current_app.config["SQLALCHEMY_DATABASE_URI"]), Path(
        current_app.config["UPLOAD_ROOT"]
    )


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Back up the database and the uploads into one archive at PATH (a folder gets a
    timestamped file inside it). Safe while the portal is running."""
    database_url, upload_root = _instance()
    try:
        result = create_backup(database_url, upload_root, path)
    except BackupError as exc:
        raise click.ClickException(f"backup failed: {exc}") from exc
    manifest = result.manifest
    click.echo(
        f"backup written: {result.path} ({manifest.database_kind}, schema "
        f"{manifest.alembic_revision or 'none'}, {len(manifest.upload_entries())} uploads, "
        f"{result.total_bytes} bytes before compression)"
    )
    for name in result.skipped:
        click.echo(f"left out: {name} (not a file hirebench wrote)", err=True)


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace a database or upload folder that is not empty, or a newer schema.",
)
@click.option("--check", is_flag=True, help="Only verify the backup; change nothing.")
@with_appcontext
def restore_command(path: Path, force: bool, check: bool) -> None:
    """Restore the backup at PATH into this instance's database and upload folder. Stop the
    portal and the workers first."""
    try:
        if check:
            manifest = verify(path)
            click.echo(
                f"backup ok: {len(manifest.files)} files match their checksums; "
                f"{manifest.database_kind} database, schema {manifest.alembic_revision or 'none'}, "
                f"made {manifest.created_at} by hirebench {manifest.hirebench_version}"
            )
            return
        database_url, upload_root = _instance()
        result = restore_backup(path, database_url, upload_root, force=force)
    except BackupError as exc:
        raise click.ClickException(f"restore failed: {exc}") from exc
    manifest = result.manifest
    click.echo(
        f"restored {path}: {result.snapshot.data_rows} rows, "
        f"{len(manifest.upload_entries())} uploads, made {manifest.created_at}"
    )
    if result.upgrade_needed:
        click.echo("the backup's schema is older than this hirebench: run `hirebench init-db`")


@click.group("compose")
def compose_group() -> None:
    """The images docker-compose.yml runs (docs/operations.md, "docker-compose")."""


@compose_group.command("build")
@click.option(
    "--offline",
    is_flag=True,
    help="Build them from Debian packages and local wheels, with no registry (needs root).",
)
@click.option("--force", is_flag=True, help="Rebuild every level even if its hashed tag exists.")
def compose_build(offline: bool, force: bool) -> None:
    """Build the app, PostgreSQL and Redis images of docker-compose.offline.yml from the working
    tree, each tagged with a hash of its content (idempotent), and the sandbox image the
    workers start."""
    if not offline:
        raise click.UsageError(
            "only --offline builds are made here. A host that can pull from a registry runs "
            "`docker compose build` (the root Dockerfile) and `hirebench sandbox build`."
        )
    try:
        built = build_offline(force=force)
        sandbox = build_image(offline=True)
    except (ComposeBuildError, SandboxBuildError) as exc:
        raise click.ClickException(str(exc)) from exc
    for image in built:
        click.echo(
            f"{image.offline_tag} = {image.tag}: {image.status} "
            f"({image.seconds:.1f} s, {image.size_bytes / 1e6:.0f} MB)"
        )
    click.echo(f"sandbox image {sandbox.tag}: {sandbox.status} ({sandbox.seconds:.1f} s)")
    click.echo(f"start them with: docker-compose {COMPOSE_FILES} up -d")
