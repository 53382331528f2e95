"""The engine and sessions: SQLite (WAL, foreign keys on) by default, PostgreSQL in production."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import StorageError
from core.files import private_dir, touch_private


class Database:
    """One engine and its session factory. ``session()`` is a unit of work that commits or rolls back."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        # The network whose rows this handle's sessions read and write (``storage.networks.network_of``); None:
        # the deployment's first network, or the deployment as a whole where a query is not a network's.
        self.network_id: int | None = None
        self.operator = False  # one network's sessions, for the operator at the command line (not its pages)
        # Several networks on PostgreSQL: each transaction says whose it is (relais.network_id), which the row
        # policies of migration 0014 read; see :meth:`guard_networks`. One switch for every handle on this engine.
        self._walls = _Walls()
        self._bind_sessions()

    def _bind_sessions(self) -> None:
        info: dict[str, object] = {} if self.network_id is None else {"network_id": self.network_id}
        if self.operator:
            info["operator"] = True
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)
        # Reads outside a transaction on PostgreSQL: no BEGIN and COMMIT round trips around one or two SELECTs.
        reads = self.engine.execution_options(isolation_level="AUTOCOMMIT") if self.dialect == "postgresql" else None
        self._reads = sessionmaker(reads or self.engine, expire_on_commit=False, info=info)
        if self.dialect == "postgresql":
            for maker in (self._sessions, self._reads):
                event.listen(maker, "after_begin", self._say_network)

    @property
    def walls(self) -> bool:
        return self._walls.up

    def guard_networks(self) -> None:
        """On PostgreSQL, set ``relais.network_id`` at the start of every transaction of every handle on this
        engine, those made before too (the deployment's sets it empty): the pooled connections go from one network
        to another, so each transaction says whose it is, and a handle left silent would read with the setting of
        the connection's last network. One statement more per transaction: only a deployment of several networks
        asks for it (a network created in the admin turns it on in a running process)."""
        if self.dialect == "postgresql":
            self._walls.up = True

    def deployment(self) -> Database:
        """The same engine, its sessions the deployment's (every network's rows): the national figures."""
        if self.network_id is None:
            return self
        view = copy.copy(self)
        view.network_id, view.operator = None, False
        view._bind_sessions()
        return view

    def _say_network(self, _session: Session, _transaction: Any, connection: Any) -> None:
        if not self._walls.up:
            return
        network = "" if self.network_id is None else str(self.network_id)
        connection.exec_driver_sql("SELECT set_config('relais.network_id', %s, false)", (network,))

    def for_network(self, network_id: int, *, operator: bool = False) -> Database:
        """The same engine, its sessions those of one network: every repository built on them keeps to its rows.
        ``operator``: for the command line, where what only the deployment's operator may do is allowed."""
        view = copy.copy(self)
        view.network_id = network_id
        view.operator = operator
        view._bind_sessions()
        return view

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session that only reads (a page's lookups). On PostgreSQL each statement is its own snapshot (autocommit:
        two round trips fewer than :meth:`session`, which matters on every admin request); never write in it."""
        with self._reads() as s:
            yield s

    def ping(self) -> None:
        """Raise :class:`StorageError` with one clear line if the database cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise StorageError(
                f"database {safe_url(self.url)} unreachable: {_first_line(exc)}",
                code="database_unreachable",
                url=safe_url(self.url),
                detail=_first_line(exc),
            ) from None

    def dispose(self) -> None:
        self.engine.dispose()


class _Walls:
    """Whether the row policies' setting is said: shared by a handle and every view made from it."""

    up: bool = False


def make_engine(url: str, *, echo: bool = False) -> Engine:
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:" and not path.startswith("file:"):
            # Created here, 0600 in a 0700 folder, before SQLite creates it with the umask's mode: it holds
            # subscribers' addresses and the consent log. SQLite gives its -wal and -shm files the same mode.
            private_dir(Path(path).parent)
            touch_private(Path(path))
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_size"] = 10
        if make_url(url).get_backend_name() == "postgresql":
            kwargs["connect_args"] = {"options": _pg_options(make_url(url).query.get("options"))}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name != "sqlite":
        _ping_after_idle(engine)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


# psycopg prepares a statement run 5 times; after 5 more executions PostgreSQL may keep one generic plan for it,
# blind to the values: a triage page filtered on a deadline window or a territory of a few hundred rows then costs
# 3-4 times as much. A plan per execution costs a fraction of a millisecond. Set once per connection, in the
# startup packet: a ``SET LOCAL`` in each transaction was one more round trip on every triage page.
PG_OPTIONS = "-c plan_cache_mode=force_custom_plan"


def _pg_options(given: str | tuple[str, ...] | None) -> str:
    """The URL's own ``options`` (libpq's ``-c name=value`` list), with ours after them."""
    mine = PG_OPTIONS
    if isinstance(given, tuple):
        given = " ".join(given)
    return f"{given} {mine}" if given else mine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
    except Exception:  # noqa: S110 - a read-only or in-memory database keeps its defaults
        pass
    finally:
        cur.close()


IDLE_BEFORE_PING = 1.0  # seconds


def _ping_after_idle(engine: Engine) -> None:
    """SQLAlchemy's ``pool_pre_ping``, but only for a connection that sat in the pool for a second or more.

    A server restart (or a killed backend) is found before the connection is handed out, as with pre-ping: a
    restart takes longer than a second, so every connection returned before it has been idle that long. Under load
    connections come back within milliseconds and are not pinged: pre-ping cost a round trip (a BEGIN and a
    ``SELECT 1``) on every session, several per web request.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _handed_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < IDLE_BEFORE_PING:
            return
        try:
            cur = dbapi_conn.cursor()
            try:
                cur.execute("SELECT 1")
            finally:
                cur.close()
            dbapi_conn.rollback()  # leave no transaction open: the session may want autocommit
        except Exception as exc:  # the connection is dead: the pool drops it and hands out a fresh one
            raise DisconnectionError(str(exc)) from exc


_SQLITE_TRANSIENT = ("locked", "busy", "disk i/o", "unable to open")


def is_outage(exc: BaseException) -> bool:
    """The database went away or cannot answer now (a restart, a shutdown, the network, a locked SQLite file):
    the same work may succeed once it is back. A bug, a constraint or a missing table is not an outage. Recognises
    SQLAlchemy's errors and the driver's own (the ledger's hot path writes through the driver's cursor)."""
    if isinstance(exc, StorageError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if isinstance(exc.orig, BaseException) else exc
    names = {k.__name__ for k in type(exc).__mro__}
    if not names & {"OperationalError", "InterfaceError"}:
        return False
    if type(exc).__module__.startswith("sqlite3"):
        return any(word in str(exc).lower() for word in _SQLITE_TRANSIENT)
    return True


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return url


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


__all__ = ["Database", "OperationalError", "is_outage", "make_engine", "safe_url"]
