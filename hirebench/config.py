"""Configuration: defaults, then the instance folder and environment, then test overrides."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

ENV_PREFIX = "HIREBENCH_"

#: The voluntary group questions of the adverse-impact analysis and the answers offered, in
#: order (docs/analytics.md, "Group data"); hirebench/analytics/groups.py names them. An
#: instance may ask its own in instance/config.py, with or without labels:
#: {"region": {"label": "Region", "choices": {"north": "North", "south": "South"}}}.
#: How long each kind of personal data is kept, in days (docs/privacy.md, "Retention"). Each is
#: overridden by HIREBENCH_RETENTION_<KEY upper-cased>; the worker's daily job applies them.
DEFAULT_RETENTION_DAYS: dict[str, int] = {
    # A candidate not hired: identity, resume, answers' text, files; counted from the decision
    # (a closed offer, or a scorecard that recommends rejection). Scores stay, anonymised.
    "unsuccessful_days": 180,
    # The same for one who agreed to be kept for future openings.
    "future_openings_days": 730,
    # One who withdrew that consent: erased as soon as the process ends (the decision).
    "future_openings_withdrawn_days": 0,
    # Focus, paste and address signals recorded during exams (they hold IP addresses).
    "integrity_events_days": 90,
    # Mail sent (or given up on): the copies hold addresses and names.
    "outgoing_mail_days": 90,
}

DEFAULT_GROUP_QUESTIONS: dict[str, list[str]] = {
    "gender": ["woman", "man", "another"],
    "age_band": ["under_25", "25-34", "35-44", "45-54", "55_plus"],
}


def _secret_key(instance_path: Path) -> str:
    """Prefer the environment; otherwise generate once and keep it in instance/ so sessions
    survive restarts without anyone having to invent a key."""
    from_env = os.environ.get("SECRET_KEY") or os.environ.get(ENV_PREFIX + "SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


class ConfigError(RuntimeError):
    """The configuration cannot work; create_app refuses to start."""


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(ENV_PREFIX + name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}{name} must be a whole number, not {value!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(ENV_PREFIX + name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _sqlite_synchronous() -> str:
    value = os.environ.get(ENV_PREFIX + "SQLITE_SYNCHRONOUS", "full").strip().lower() or "full"
    if value not in ("full", "normal"):
        raise ConfigError(f"{ENV_PREFIX}SQLITE_SYNCHRONOUS must be full or normal, not {value!r}")
    return value


def _log_format() -> str:
    value = os.environ.get(ENV_PREFIX + "LOG_FORMAT", "text").strip().lower() or "text"
    if value not in ("text", "json"):
        raise ConfigError(f"{ENV_PREFIX}LOG_FORMAT must be text or json, not {value!r}")
    return value


def build_config(instance_path: Path) -> dict[str, Any]:
    instance_path.mkdir(parents=True, exist_ok=True)
    https = _env_bool("HTTPS", False)
    database_url = os.environ.get(
        ENV_PREFIX + "DATABASE_URL", f"sqlite:///{instance_path / 'hirebench.sqlite3'}"
    )
    redis_url = os.environ.get(ENV_PREFIX + "REDIS_URL") or None
    base_url = os.environ.get(ENV_PREFIX + "BASE_URL", "").strip().rstrip("/")
    if https and not base_url:
        raise ConfigError(
            "HIREBENCH_HTTPS=1 needs HIREBENCH_BASE_URL (for example https://jobs.example.com): "
            "links in mail are built from it, never from the request's Host header."
        )
    config: dict[str, Any] = {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # SQLite only. full: every commit waits for the disk (fsync), so an acknowledged save
        # survives a power loss. normal: a commit waits for no fsync and survives a killed
        # process but not a power loss or OS crash; under busy disks autosave's p99 drops
        # tenfold (bench/README.md, "load.py").
        "SQLITE_SYNCHRONOUS": _sqlite_synchronous(),
        "REDIS_URL": redis_url,
        "GRADING_WORKERS": int(os.environ.get(ENV_PREFIX + "GRADING_WORKERS", "2")),
        # Ready sandboxes kept per grading process; each costs about 250 MB of memory.
        "SANDBOX_WARM_POOL": int(os.environ.get(ENV_PREFIX + "SANDBOX_WARM_POOL", "3")),
        "UPLOAD_ROOT": str(instance_path / "uploads"),
        "PORTFOLIO_MAX_FILE_MB": int(os.environ.get(ENV_PREFIX + "PORTFOLIO_MAX_FILE_MB", "20")),
        "PORTFOLIO_MAX_FILES": 10,
        # The reusable rubric that portfolio uploads are reviewed against.
        "PORTFOLIO_RUBRIC": os.environ.get(ENV_PREFIX + "PORTFOLIO_RUBRIC", "portfolio-project"),
        "REVIEWS_PER_ITEM": int(os.environ.get(ENV_PREFIX + "REVIEWS_PER_ITEM", "2")),
        "REVIEW_BLIND": _env_bool("REVIEW_BLIND", True),
        # Hours a reviewer has to submit before the assignment is overdue (docs/reviews.md).
        "REVIEW_SLA_HOURS": _env_int("REVIEW_SLA_HOURS", 72),
        # A rater whose mean level differs from the rest of the panel by this much is flagged.
        "RATER_DRIFT_THRESHOLD": float(
            os.environ.get(ENV_PREFIX + "RATER_DRIFT_THRESHOLD", "0.75")
        ),
        # Session hardening: JS cannot read the cookie, cross-site POSTs do not carry it.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "HTTPS": https,
        # A form's CSRF token expires; the limit must outlast the longest exam page.
        "WTF_CSRF_TIME_LIMIT": _env_int("CSRF_TIME_LIMIT_HOURS", 6) * 3600,
        # Logged-in sessions are permanent and refreshed on every request, so this is an idle
        # timeout; an exam page autosaves every few seconds and keeps its session alive.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_env_int("SESSION_IDLE_HOURS", 8)),
        "REMEMBER_COOKIE_DURATION": timedelta(days=_env_int("REMEMBER_DAYS", 14)),
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "LANGUAGES": {"en": "English", "zh_Hans": "简体中文"},
        "INVITATION_TTL_HOURS": int(os.environ.get(ENV_PREFIX + "INVITATION_TTL_HOURS", "72")),
        "LOGIN_RATE_LIMIT": os.environ.get(ENV_PREFIX + "LOGIN_RATE_LIMIT", "10 per minute"),
        # Failed logins per account from one address, and per account from all addresses.
        # The second is the brute-force cap; it is high enough that the owner's typos never
        # reach it, so an attacker elsewhere locks out only themselves first.
        "LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get(
            ENV_PREFIX + "LOGIN_ACCOUNT_RATE_LIMIT", "5 per 5 minutes"
        ),
        "LOGIN_ACCOUNT_CAP": os.environ.get(ENV_PREFIX + "LOGIN_ACCOUNT_CAP", "50 per hour"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "MAIL_DEFAULT_SENDER": os.environ.get(
            ENV_PREFIX + "MAIL_FROM", "hirebench <no-reply@hirebench.local>"
        ),
        # Every absolute link (in mail above all) is built from this, never from the request's
        # Host header, which the client chooses.
        "BASE_URL": base_url,
        # The outbox dispatcher (docs/webhooks.md): how often it looks for rows committed by
        # other processes, how long one webhook POST may take, and how many run at once.
        "OUTBOX_POLL_SECONDS": float(os.environ.get(ENV_PREFIX + "OUTBOX_POLL_SECONDS", "1.0")),
        "WEBHOOK_TIMEOUT_SECONDS": float(
            os.environ.get(ENV_PREFIX + "WEBHOOK_TIMEOUT_SECONDS", "10")
        ),
        "OUTBOX_CONCURRENCY": _env_int("OUTBOX_CONCURRENCY", 8),
        # Operators (docs/operations.md, "Metrics and health"): log lines as text or JSON;
        # /metrics answers loopback, or a bearer token (this one, or an API token with the
        # metrics:read scope). Behind a reverse proxy on the same host every request comes
        # from loopback: set HIREBENCH_METRICS_LOOPBACK=0 there.
        "LOG_FORMAT": _log_format(),
        "METRICS_TOKEN": os.environ.get(ENV_PREFIX + "METRICS_TOKEN", "").strip() or None,
        "METRICS_ALLOW_LOOPBACK": _env_bool("METRICS_LOOPBACK", True),
        "ANALYTICS_GROUP_QUESTIONS": {q: list(a) for q, a in DEFAULT_GROUP_QUESTIONS.items()},
        "RETENTION": {
            key: _env_int("RETENTION_" + key.removesuffix("_days").upper() + "_DAYS", days)
            for key, days in DEFAULT_RETENTION_DAYS.items()
        },
    }
    config.update(_mail_config(instance_path))
    return config


def _mail_config(instance_path: Path) -> dict[str, Any]:
    """SMTP when a host is configured; otherwise mail lands in files so the demo works offline."""
    smtp_host = os.environ.get(ENV_PREFIX + "SMTP_HOST")
    if smtp_host:
        return {
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": smtp_host,
            "MAIL_PORT": int(os.environ.get(ENV_PREFIX + "SMTP_PORT", "587")),
            "MAIL_USERNAME": os.environ.get(ENV_PREFIX + "SMTP_USERNAME"),
            "MAIL_PASSWORD": os.environ.get(ENV_PREFIX + "SMTP_PASSWORD"),
            "MAIL_USE_TLS": _env_bool("SMTP_TLS", True),
            "MAIL_USE_SSL": _env_bool("SMTP_SSL", False),
            "MAIL_TIMEOUT": 10,
        }
    backend = os.environ.get(ENV_PREFIX + "MAIL_BACKEND", "file")
    return {
        "MAIL_BACKEND": backend,
        "MAIL_FILE_PATH": str(instance_path / "mail"),
    }
