"""One sender per issue, across threads and processes: a PostgreSQL advisory lock, or a file lock beside the
SQLite database. Only the holder may take rows left ``sending`` for crash leftovers and send; another loop
(the admin's background sender, the scheduler's job, a second ``relais digest send``) sees the issue taken."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from storage.database import Database

_NAMESPACE = 0x52454C  # "REL": the first key of the two-key advisory lock
_memory_locks: dict[tuple[str, int], threading.Lock] = {}
_memory_guard = threading.Lock()


@contextmanager
def issue_send_lock(db: Database, issue_id: int) -> Iterator[bool]:
    """Yields True when this caller holds the issue's send lock for the block, False when someone else does."""
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"), {"a": _NAMESPACE, "b": issue_id})
                       .scalar())  # fmt: skip
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"), {"a": _NAMESPACE, "b": issue_id})
                    conn.commit()
        return
    path = _sqlite_path(db)
    if path is None:  # an in-memory database lives in one process: a lock of this process suffices
        with _memory_guard:
            lock = _memory_locks.setdefault((db.url, issue_id), threading.Lock())
        got = lock.acquire(blocking=False)
        try:
            yield got
        finally:
            if got:
                lock.release()
        return
    lock_path = path.with_name(f"{path.name}.send-{issue_id}.lock")
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # per open file: threads and processes alike
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _sqlite_path(db: Database) -> Path | None:
    name = db.engine.url.database
    return Path(name) if name and name != ":memory:" else None
