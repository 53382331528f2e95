"""One sender per issue, across threads and processes: a PostgreSQL advisory lock, or a file lock beside the
SQLite database. Only the holder may take rows left ``sending`` for crash leftovers and send; another loop
(the admin's background sender, the scheduler's job, a second ``relais digest send``) sees the issue taken.
PostgreSQL's lock lives as long as its session: after a restart the holder takes it back (:meth:`SendLock.keep`)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from storage.database import Database

_NAMESPACE = 0x52454C  # "REL": the first key of the two-key advisory lock
_memory_locks: dict[tuple[str, int], threading.Lock] = {}
_memory_guard = threading.Lock()


class SendLock:
    """The outcome of :func:`issue_send_lock`: true while this caller holds the issue's send lock."""

    def __init__(self, held: bool) -> None:
        self.held = held

    def __bool__(self) -> bool:
        return self.held

    def keep(self) -> bool:
        """Still ours? A file or in-process lock cannot be lost; see :class:`_PgLock` for PostgreSQL's."""
        return self.held


class _PgLock(SendLock):
    """A session-level advisory lock on a connection of its own. A restart of PostgreSQL ends that session and
    the lock with it: :meth:`keep` then takes it again on a new connection, unless another loop took it
    meanwhile (that loop then owns the issue, and this one must stop)."""

    def __init__(self, db: Database, issue_id: int) -> None:
        super().__init__(False)
        self.db, self.key = db, {"a": _NAMESPACE, "b": issue_id}
        self.conn: Connection | None = None

    def take(self) -> bool:
        conn = self.db.engine.connect()
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"), self.key).scalar())
            conn.commit()
        except BaseException:
            _close(conn)
            raise
        if got:
            self.conn = conn
        else:
            _close(conn)
        self.held = got
        return got

    def keep(self) -> bool:
        if self.conn is not None:
            try:
                self.conn.execute(text("SELECT 1"))  # the session lives, so does its lock
                self.conn.commit()
                return True
            except DBAPIError:
                _close(self.conn)  # the server ended the session: the lock is gone with it
                self.conn, self.held = None, False
        return self.take()  # an outage propagates: the caller waits for the database and asks again

    def release(self) -> None:
        conn, self.conn, self.held = self.conn, None, False
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"), self.key)
            conn.commit()
        except DBAPIError:
            pass  # the session ended (a restart): the lock ended with it
        finally:
            _close(conn)


def _close(conn: Connection) -> None:
    with contextlib.suppress(DBAPIError):
        conn.close()


@contextmanager
def issue_send_lock(db: Database, issue_id: int) -> Iterator[SendLock]:
    """Yields a true :class:`SendLock` when this caller holds the issue's send lock for the block, a false one
    when someone else does."""
    if db.dialect == "postgresql":
        lock = _PgLock(db, issue_id)
        lock.take()
        try:
            yield lock
        finally:
            lock.release()
        return
    path = _sqlite_path(db)
    if path is None:  # an in-memory database lives in one process: a lock of this process suffices
        with _memory_guard:
            mutex = _memory_locks.setdefault((db.url, issue_id), threading.Lock())
        got = mutex.acquire(blocking=False)
        try:
            yield SendLock(got)
        finally:
            if got:
                mutex.release()
        return
    lock_path = path.with_name(f"{path.name}.send-{issue_id}.lock")
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # per open file: threads and processes alike
        except BlockingIOError:
            yield SendLock(False)
            return
        try:
            yield SendLock(True)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _sqlite_path(db: Database) -> Path | None:
    name = db.engine.url.database
    return Path(name) if name and name != ":memory:" else None
