"""The database side of a backup: a consistent copy out of SQLite or PostgreSQL while the portal
keeps writing, the row counts and Alembic revision of exactly that copy, and loading a copy back.

SQLite goes through its online backup API; PostgreSQL through pg_dump and pg_restore, with the
password in a private temporary passfile, never on a command line."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from subprocess import DEVNULL, PIPE

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from hirebench.ops.manifest import DATABASE_KINDS, BackupError

VERSION_TABLE = "alembic_version"
# Query parameters of a SQLAlchemy URL that libpq reads from the environment; others are
# SQLAlchemy's or the driver's own and mean nothing to pg_dump.
_LIBPQ_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
}
_STDERR_TAIL = 2000


@dataclass(frozen=True)
class Snapshot:
    """What a database held at one instant: its schema revision and rows per table."""

    revision: str | None
    row_counts: dict[str, int]

    @property
    def data_rows(self) -> int:
        return sum(n for table, n in self.row_counts.items() if table != VERSION_TABLE)


def kind_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in DATABASE_KINDS:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {backend}")
    return backend


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"the SQLite database {database!r} is not a file that can be backed up")
    return Path(database)


# ------------------------------------------------------------------------------ SQLite


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%'"
            " ESCAPE '~' ORDER BY name"
        )
    ]
    counts = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        # The name comes from sqlite_master and is quoted: nothing outside chose it.
        counts[table] = connection.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608
    return counts


def _sqlite_snapshot(connection: sqlite3.Connection) -> Snapshot:
    counts = _sqlite_counts(connection)
    revision = None
    if VERSION_TABLE in counts:
        rows = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()  # noqa: S608
        revision = ",".join(sorted(r[0] for r in rows)) or None
    return Snapshot(revision, counts)


def copy_sqlite(url: str, out: Path) -> Snapshot:
    """Copy the live database into `out` through the online backup API, in one step so the copy
    is one consistent instant. Under WAL (hirebench's mode) writers go on meanwhile; under a
    rollback journal they wait for the copy, up to their busy timeout."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"there is no SQLite database at {source_path}")
    with (
        closing(sqlite3.connect(source_path, timeout=30)) as source,
        closing(sqlite3.connect(out)) as copy,
    ):
        source.backup(copy)
        # A single self-contained file, whatever the source's journal mode was.
        copy.execute("PRAGMA journal_mode=DELETE")
    return check_sqlite_copy(out)


def check_sqlite_copy(path: Path) -> Snapshot:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
        try:
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"the database copy is not a SQLite database: {exc}") from exc
        if verdict != "ok":
            raise BackupError(f"the database copy fails SQLite's quick_check: {verdict}")
        return _sqlite_snapshot(copy)


def load_sqlite(copy_path: Path, url: str) -> Snapshot:
    """Replace the target database's content with the copy, in one transaction of the backup
    API: a failure leaves the target as it was."""
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(target, timeout=10)) as destination:
        try:
            destination.execute("BEGIN IMMEDIATE")
            destination.execute("ROLLBACK")
            # WAL refuses a copy with another page size; the app turns WAL back on at connect.
            destination.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.OperationalError as exc:
            raise BackupError(
                f"the database {target} is in use ({exc}): stop `hirebench serve` and the "
                "workers before restoring"
            ) from exc
        with closing(sqlite3.connect(f"file:{copy_path}?mode=ro", uri=True)) as source:
            source.backup(destination)
        return _sqlite_snapshot(destination)


# ------------------------------------------------------------------------------ both kinds


def table_counts(connection: sa.Connection) -> dict[str, int]:
    tables = sorted(sa.inspect(connection).get_table_names())
    return {
        t: int(connection.scalar(sa.select(sa.func.count()).select_from(sa.table(t))) or 0)
        for t in tables
    }


def snapshot_of(connection: sa.Connection) -> Snapshot:
    counts = table_counts(connection)
    revision = None
    if VERSION_TABLE in counts:
        version = sa.column("version_num", sa.String)
        rows = connection.scalars(sa.select(version).select_from(sa.table(VERSION_TABLE)))
        revision = ",".join(sorted(rows)) or None
    return Snapshot(revision, counts)


def current_state(url: str) -> Snapshot:
    """The target database as it is now; an SQLite file that does not exist yet is empty."""
    if kind_of(url) == "sqlite" and not sqlite_path(url).exists():
        return Snapshot(None, {})
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return snapshot_of(connection)
    except sa.exc.OperationalError as exc:
        raise BackupError(f"cannot reach the database: {exc.orig}") from exc
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------ PostgreSQL


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    # Debian keeps the versioned binaries off PATH when no wrapper package is installed.
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if candidates:
        return str(candidates[-1])
    raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")


def _passfile_line(password: str) -> str:
    if "\n" in password or "\r" in password:
        raise BackupError("a database password with a line break cannot be passed to pg_dump")
    escaped = password.replace("\\", "\\\\").replace(":", "\\:")
    return f"*:*:*:*:{escaped}\n"


@contextmanager
def libpq_environment(url: URL) -> Iterator[dict[str, str]]:
    """The environment for pg_dump and pg_restore: connection settings from the URL, and the
    password in a 0600 passfile that is deleted afterwards (ps shows arguments, not files)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({"PGHOST": url.host or "", "PGPORT": str(url.port or "")})
    if url.username:
        env["PGUSER"] = url.username
    for key, value in url.query.items():
        if key in _LIBPQ_ENV:
            env[_LIBPQ_ENV[key]] = value if isinstance(value, str) else value[-1]
    env = {k: v for k, v in env.items() if v != ""}
    with tempfile.TemporaryDirectory(prefix="hirebench-pg-") as folder:
        if url.password is not None:
            passfile = Path(folder) / "pgpass"
            fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(_passfile_line(str(url.password)))
            env["PGPASSFILE"] = str(passfile)
        yield env


def _run(command: list[str], env: Mapping[str, str] | None, what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-_STDERR_TAIL:]
        raise BackupError(f"{what} failed (exit {done.returncode}): {detail}")


def dump_postgres(url_text: str, out: Path) -> Snapshot:
    """pg_dump of the database into `out`, sharing one exported snapshot with the transaction
    that counts the rows, so the counts describe exactly what was dumped."""
    url = make_url(url_text)
    dump = _binary("pg_dump")
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as plain:
            connection = plain.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.execute(sa.text("SET TRANSACTION READ ONLY"))
                snapshot_id = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
                snapshot = snapshot_of(connection)
                with libpq_environment(url) as env:
                    command = [dump, "--format=custom", "--no-password", f"--file={out}"]
                    command += [f"--snapshot={snapshot_id}", f"--dbname={url.database}"]
                    _run(command, env, "pg_dump")
    except sa.exc.OperationalError as exc:
        raise BackupError(f"cannot reach the database: {exc.orig}") from exc
    finally:
        engine.dispose()
    return snapshot


def check_postgres_dump(path: Path) -> None:
    """pg_restore can read the dump's table of contents (no database needed)."""
    _run([_binary("pg_restore"), "--list", str(path)], None, "reading the database dump")


def load_postgres(dump_path: Path, url_text: str, extra_tables: Sequence[str] = ()) -> Snapshot:
    """pg_restore's script (--clean --if-exists --no-owner) run by psql in one transaction, after
    dropping the tables the backup does not have (a newer schema's, under --force): their
    foreign keys would stop --clean from dropping the tables they point at. On any error the
    transaction rolls back and the target is as it was."""
    url = make_url(url_text)
    restore = [_binary("pg_restore"), "--clean", "--if-exists", "--no-owner", "--file=-"]
    restore.append(str(dump_path))
    psql = [_binary("psql"), "--no-psqlrc", "--quiet", "--no-password", "--single-transaction"]
    psql += ["--set=ON_ERROR_STOP=1", f"--dbname={url.database}", "--file=-"]
    quoted = ['"' + table.replace('"', '""') + '"' for table in extra_tables]
    preamble = "".join(f"DROP TABLE IF EXISTS public.{name} CASCADE;\n" for name in quoted)
    with libpq_environment(url) as env:
        _pipe(restore, psql, preamble.encode(), env)
    return current_state(url_text)


def _pipe(first: list[str], second: list[str], preamble: bytes, env: Mapping[str, str]) -> None:
    """`first | second`, with `preamble` ahead of what `first` prints."""
    with tempfile.TemporaryFile() as errors:
        with (
            subprocess.Popen(second, stdin=PIPE, stdout=DEVNULL, stderr=errors, env=env) as psql,
            subprocess.Popen(first, stdout=PIPE, stderr=errors) as script,
        ):
            assert psql.stdin is not None and script.stdout is not None
            try:
                psql.stdin.write(preamble)
                shutil.copyfileobj(script.stdout, psql.stdin, 1024 * 1024)
            except BrokenPipeError:
                script.kill()  # psql stopped at an error; its exit code says which
            finally:
                psql.stdin.close()
        if script.returncode or psql.returncode:
            errors.seek(0)
            detail = errors.read().decode(errors="replace").strip()[-_STDERR_TAIL:]
            raise BackupError(f"restoring the database dump failed: {detail}")
