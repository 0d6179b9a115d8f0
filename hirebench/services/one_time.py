"""Secrets kept on the server for exactly one read, such as a new API token's plaintext between
the POST that created it and the page that shows it (post, redirect, get).

The caller keeps the random key (in the session); the secret itself never goes into a cookie
or a cache. Files are named by the key's hash, so the directory listing reveals no key, and
a read claims the file by renaming it, so two tabs racing for one key get it once between
them. Unread secrets expire."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(minutes=10)


class OneTimeSecrets:
    def __init__(self, root: Path, ttl: timedelta = DEFAULT_TTL) -> None:
        self.root = root
        self.ttl = ttl

    def put(self, secret: str) -> str:
        """Keep `secret`; returns the key that reads it once."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._prune()
        key = secrets.token_urlsafe(24)
        fd = os.open(self._path(key), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret)
        return key

    def take(self, key: str) -> str | None:
        """The secret for `key`, removed as it is read; None if gone, expired or unknown."""
        if not key or len(key) > 100:
            return None
        claimed = self._path(key).with_suffix(f".taken-{secrets.token_hex(8)}")
        try:
            os.rename(self._path(key), claimed)
        except FileNotFoundError:
            return None
        try:
            if time.time() - claimed.stat().st_mtime > self.ttl.total_seconds():
                return None
            return claimed.read_text(encoding="utf-8")
        finally:
            claimed.unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / hashlib.sha256(key.encode()).hexdigest()

    def _prune(self) -> None:
        """Remove secrets nobody came back for."""
        cutoff = time.time() - self.ttl.total_seconds()
        for path in self.root.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
            except OSError as exc:  # another process removed or claimed it meanwhile
                log.debug("skipping %s while pruning: %s", path.name, exc)
