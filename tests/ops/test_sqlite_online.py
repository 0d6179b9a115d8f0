"""SQLite's online backup API while other connections keep committing: the copy is one instant of
the database (every writer's rows are a gap-free prefix), holds everything committed before
the copy began, and its row counts are the manifest's. Under WAL the writers are not held up;
under a rollback journal they wait for the copy and then go on."""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from hirebench.ops.database import copy_sqlite

WRITERS = 4
PAYLOAD = "x" * 400


class Writers:
    """Threads, each with its own connection, committing one numbered row at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.acked = dict.fromkeys(range(WRITERS), -1)
        self.errors: list[sqlite3.Error] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(w,)) for w in range(WRITERS)]

    def run(self, writer: int) -> None:
        try:
            with closing(sqlite3.connect(self.path, timeout=30)) as connection:
                seq = 0
                while not self.stop.is_set():
                    connection.execute(
                        "INSERT INTO log (writer, seq, payload) VALUES (?, ?, ?)",
                        (writer, seq, PAYLOAD),
                    )
                    connection.commit()
                    with self.lock:
                        self.acked[writer] = seq
                    seq += 1
                    # A pause, as between autosaves: a tight loop would starve the other
                    # writers in SQLite's busy handler, which is not first come first served.
                    time.sleep(0.002)
        except sqlite3.Error as exc:  # reported by the test, not lost in the thread
            self.errors.append(exc)

    def wait_until_each_committed(self, rows: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while min(self.committed().values()) < rows - 1:
            assert not self.errors, self.errors
            assert time.monotonic() < deadline, f"writers stuck: {self.committed()}"
            time.sleep(0.01)

    def committed(self) -> dict[int, int]:
        with self.lock:
            return dict(self.acked)

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def _live_database(path: Path, journal: str) -> None:
    with closing(sqlite3.connect(path)) as connection:
        connection.execute(f"PRAGMA journal_mode={journal}")
        connection.execute(
            "CREATE TABLE log (writer INTEGER, seq INTEGER, payload TEXT,"
            " PRIMARY KEY (writer, seq))"
        )
        # Enough pages that the copy takes a while: about 25 MB.
        connection.executemany(
            "INSERT INTO log VALUES (?, ?, ?)", ((-1, n, PAYLOAD) for n in range(60_000))
        )
        connection.commit()


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_the_online_copy_is_one_consistent_instant_under_writers(
    tmp_path: Path, journal: str
) -> None:
    live = tmp_path / "live.sqlite3"
    _live_database(live, journal)
    copy = tmp_path / "copy.sqlite3"
    with Writers(live) as writers:
        writers.wait_until_each_committed(5)
        before = writers.committed()
        started = time.monotonic()
        snapshot = copy_sqlite(f"sqlite:///{live}", copy)
        took = time.monotonic() - started
        after = writers.committed()
        time.sleep(0.2)
    assert writers.errors == []

    with closing(sqlite3.connect(copy)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        rows = connection.execute("SELECT writer, seq FROM log WHERE writer >= 0").fetchall()
        total = connection.execute("SELECT count(*) FROM log").fetchone()[0]
    assert snapshot.row_counts == {"log": total}
    assert not (tmp_path / "copy.sqlite3-wal").exists()
    for writer in range(WRITERS):
        seqs = sorted(seq for w, seq in rows if w == writer)
        # One instant: no later commit of a writer without all of its earlier ones.
        assert seqs == list(range(len(seqs))), f"writer {writer} has gaps in the copy"
        # Everything acknowledged before the copy began is in it.
        assert len(seqs) - 1 >= before[writer]
        # Nothing from after the copy finished.
        assert len(seqs) - 1 <= after[writer] + 1
    with closing(sqlite3.connect(live)) as connection:
        live_rows = connection.execute("SELECT count(*) FROM log").fetchone()[0]
    assert live_rows > total, "the writers went on after the copy"
    if journal == "wal":
        # WAL readers do not block writers: commits were acknowledged while the copy ran.
        assert sum(after.values()) > sum(before.values()), f"no commit during {took:.3f} s"
