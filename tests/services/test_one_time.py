"""Secrets kept on the server for one read (a new API token between POST and GET)."""

from __future__ import annotations

import os
import stat
import time
from datetime import timedelta
from pathlib import Path

from hirebench.services.one_time import OneTimeSecrets


def test_a_secret_is_read_once(tmp_path: Path) -> None:
    store = OneTimeSecrets(tmp_path / "one-time")
    key = store.put("hb_secret")
    (kept,) = list((tmp_path / "one-time").iterdir())
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert key not in kept.name and "hb_secret" not in kept.name
    assert store.take(key) == "hb_secret"
    assert store.take(key) is None
    assert list((tmp_path / "one-time").iterdir()) == []


def test_unknown_and_odd_keys_read_nothing(tmp_path: Path) -> None:
    store = OneTimeSecrets(tmp_path)
    store.put("hb_secret")
    for key in ("", "nope", "../../etc/passwd", "x" * 1000):
        assert store.take(key) is None


def test_unread_secrets_expire(tmp_path: Path) -> None:
    store = OneTimeSecrets(tmp_path, ttl=timedelta(minutes=10))
    old_key = store.put("old")
    (old,) = list(tmp_path.iterdir())
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    fresh = store.put("fresh")  # writing prunes what nobody came back for
    assert old.exists() is False
    assert store.take(old_key) is None
    assert store.take(fresh) == "fresh"
