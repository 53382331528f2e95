"""The connection pool's round trips on PostgreSQL: reads without a transaction, a ping only after idling.

Every admin request reads its user, and most read a page: on PostgreSQL each BEGIN, COMMIT and pre-ping
``SELECT 1`` is a round trip to a server that shares the CPU with the web workers and the sender. A connection that
sat idle (long enough for a restart to happen meanwhile) is still checked before it is handed out.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import storage.database
from storage.database import Database
from storage.users import UserRepository


@pytest.fixture
def pg(db: Database) -> Database:
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server to make round trips to")
    return db


def transaction_status(s: object) -> str:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)
    return str(s.connection().connection.dbapi_connection.info.transaction_status.name)  # type: ignore[union-attr]


def test_reading_opens_no_transaction_and_a_session_does(pg: Database) -> None:
    with pg.reading() as s:
        assert UserRepository(s).find_by_id(1) is None
        assert transaction_status(s) == "IDLE"  # no BEGIN was sent, so no COMMIT will be
    with pg.session() as s:
        assert UserRepository(s).find_by_id(1) is None
        assert transaction_status(s) == "INTRANS"


def test_reading_works_on_either_engine(db: Database) -> None:
    with db.reading() as s:
        assert s.scalar(text("SELECT 1")) == 1


def _kill_pooled_connection(db: Database) -> int:
    with db.session() as s:
        pid = int(s.scalar(text("SELECT pg_backend_pid()")) or 0)
    other = Database(db.url)
    try:
        with other.engine.begin() as conn:
            assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        other.dispose()
    return pid


def test_a_connection_that_died_while_idle_is_replaced_before_use(
    pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.database, "IDLE_BEFORE_PING", 0.0)  # every return counts as idle long enough
    dead = _kill_pooled_connection(pg)
    with pg.session() as s:
        assert s.scalar(text("SELECT pg_backend_pid()")) != dead


def test_a_connection_back_a_moment_ago_is_not_pinged(pg: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage.database, "IDLE_BEFORE_PING", 3600.0)  # never idle long enough: no ping
    _kill_pooled_connection(pg)
    with pytest.raises(OperationalError), pg.session() as s:  # no ping: the dead connection is used as it is
        s.scalar(text("SELECT 1"))
    with pg.session() as s:  # and the pool, told of the disconnect, hands out a fresh one next
        assert s.scalar(text("SELECT 1")) == 1


def test_every_connection_plans_with_its_values_without_a_statement_per_transaction(pg: Database) -> None:
    """A triage page's filters (a deadline window, a territory) need a plan made for their values: set once per
    connection in the startup packet, not by a ``SET LOCAL`` round trip in each transaction."""
    with pg.reading() as s:
        assert s.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
    with pg.session() as s:
        assert s.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"


def test_options_given_in_the_url_are_kept(pg: Database) -> None:
    url = pg.url + ("&" if "?" in pg.url else "?") + "options=-c%20application_name%3Drelais-test"
    other = Database(url)
    try:
        with other.reading() as s:
            assert s.scalar(text("SHOW application_name")) == "relais-test"
            assert s.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
    finally:
        other.dispose()
