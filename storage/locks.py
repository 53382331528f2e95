"""One holder across threads and processes: a PostgreSQL advisory lock, or a file lock beside the SQLite database.

- One sender per issue (:func:`issue_send_lock`). Only the holder may take rows left ``sending`` for crash
  leftovers and send; another loop (the admin's background sender, the scheduler's job, a second
  ``relais digest send``) sees the issue taken.
- One scheduler per deployment (:func:`scheduler_lock`): a second one started as a standby waits for it.

PostgreSQL's lock lives as long as its session: after a restart the holder takes it back (:meth:`SendLock.keep`)
unless another took it meanwhile."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from storage.database import Database

_NAMESPACE = 0x52454C  # "REL": the first key of the two-key advisory lock; the second is the issue's id
_SCHEDULER_KEY = 0  # no issue has id 0: the scheduler's key in the same namespace
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


class HeldLock(SendLock, ABC):
    """A lock its holder takes and releases itself, possibly over a long time (the scheduler's)."""

    @abstractmethod
    def take(self) -> bool:
        """Take the lock if it is free, without waiting; true if this holder has it."""

    @abstractmethod
    def release(self) -> None:
        """Let the lock go (nothing if it was not held)."""


class _FileLock(HeldLock):
    """``flock`` on a file beside the SQLite database: per open file, so threads and processes alike; the kernel
    lets it go when the holding process dies."""

    def __init__(self, path: Path) -> None:
        super().__init__(False)
        self.path = path
        self.fd: int | None = None

    def take(self) -> bool:
        if self.fd is not None:
            return True
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd, self.held = fd, True
        return True

    def keep(self) -> bool:
        return self.take()

    def release(self) -> None:
        fd, self.fd, self.held = self.fd, None, False
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class _ProcessLock(HeldLock):
    """For an in-memory database, which lives in one process."""

    def __init__(self, mutex: threading.Lock) -> None:
        super().__init__(False)
        self.mutex = mutex

    def take(self) -> bool:
        if not self.held:
            self.held = self.mutex.acquire(blocking=False)
        return self.held

    def keep(self) -> bool:
        return self.take()

    def release(self) -> None:
        if self.held:
            self.held = False
            self.mutex.release()


class _PgLock(HeldLock):
    """A session-level advisory lock on a connection of its own. A restart of PostgreSQL ends that session and
    the lock with it: :meth:`keep` then takes it again on a new connection, unless another loop took it
    meanwhile (that loop then owns the issue, and this one must stop)."""

    def __init__(self, db: Database, key: int) -> None:
        super().__init__(False)
        self.db, self.key = db, {"a": _NAMESPACE, "b": key}
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


def _lock(db: Database, key: int, file_suffix: str) -> HeldLock:
    if db.dialect == "postgresql":
        return _PgLock(db, key)
    path = _sqlite_path(db)
    if path is None:  # an in-memory database lives in one process: a lock of this process suffices
        with _memory_guard:
            mutex = _memory_locks.setdefault((db.url, key), threading.Lock())
        return _ProcessLock(mutex)
    return _FileLock(path.with_name(f"{path.name}.{file_suffix}.lock"))


@contextmanager
def issue_send_lock(db: Database, issue_id: int) -> Iterator[SendLock]:
    """Yields a true :class:`SendLock` when this caller holds the issue's send lock for the block, a false one
    when someone else does."""
    lock = _lock(db, issue_id, f"send-{issue_id}")
    lock.take()
    try:
        yield lock
    finally:
        lock.release()


def scheduler_lock(db: Database) -> HeldLock:
    """The deployment's one-scheduler lock, not yet taken: :meth:`HeldLock.take` tries, without waiting."""
    return _lock(db, _SCHEDULER_KEY, "scheduler")


def _sqlite_path(db: Database) -> Path | None:
    name = db.engine.url.database
    return Path(name) if name and name != ":memory:" else None
