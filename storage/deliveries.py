"""The delivery ledger: one row per (issue, subscriber), written in bulk and moved in small batches.

The rules (who is eligible, which state comes next) live in ``delivery``; this module only reads and writes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, Select, Table, bindparam, func, select, union_all, update
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.model import Delivery, DeliveryStatus, IssueStatus, Subscriber
from storage.bulk import bulk_insert
from storage.database import Database
from storage.subscribers import audience_of
from storage.tables import DeliveryRow, IssueRow, SubscriberRow, SuppressionRow

_PLAIN = [
    "issue_id", "subscriber_id", "email", "segment", "message_id", "attempts", "smtp_code", "smtp_reply",
    "queued_at", "sending_at", "finished_at", "next_attempt_at",
]  # fmt: skip


_OUTCOME_COLUMNS = ("status", "smtp_code", "smtp_reply", "finished_at", "next_attempt_at")
_FROZEN_COLUMNS = (*_PLAIN, "status", "requeued_after_crash")
_TABLE: Table = DeliveryRow.__table__  # type: ignore[assignment]

# A claim, straight to the driver (it runs once a batch; SQLAlchemy's expanding IN cost more than the UPDATE).
_CLAIM = (
    "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, sending_at = %s WHERE id {op} {ids}"
    " AND (status = 'queued' OR (status = 'deferred' AND next_attempt_at <= %s)) RETURNING id"
)

# PostgreSQL: a round's outcomes as one statement over arrays (one parse and plan, not one per row).
_PG_OUTCOMES = (
    "UPDATE deliveries AS d SET status = v.status, smtp_code = v.smtp_code, smtp_reply = v.smtp_reply,"
    " finished_at = v.finished_at, next_attempt_at = v.next_attempt_at"
    " FROM unnest(%s::bigint[], %s::text[], %s::integer[], %s::text[], %s::timestamptz[], %s::timestamptz[])"
    " AS v(id, status, smtp_code, smtp_reply, finished_at, next_attempt_at) WHERE d.id = v.id"
)


@functools.cache
def _pending_query(sharded: bool) -> Select[Any]:
    """:meth:`DeliveryRepository.pending`'s statement, built once (building it cost as much as running it)."""
    parts = []
    for status, cond in (
        (DeliveryStatus.QUEUED, DeliveryRow.id > bindparam("after_id")),
        (DeliveryStatus.DEFERRED, DeliveryRow.next_attempt_at <= bindparam("now")),
    ):
        part = select(DeliveryRow.id).where(
            DeliveryRow.issue_id == bindparam("issue_id"), DeliveryRow.status == str(status), cond
        )
        if sharded:
            part = part.where(DeliveryRow.id % bindparam("shard_n") == bindparam("shard_k"))
        parts.append(select(part.order_by(DeliveryRow.id).limit(bindparam("limit")).subquery()))
    due = union_all(*parts).subquery()
    cols = [_TABLE.c[f] for f in ("id", "status", *_PLAIN)]
    return (
        select(*cols, SubscriberRow.status.label("sub_status"), SubscriberRow.preferences)
        .join(due, due.c.id == DeliveryRow.id)
        .outerjoin(SubscriberRow, SubscriberRow.id == DeliveryRow.subscriber_id)
        .order_by(DeliveryRow.id)
        .limit(bindparam("limit"))
    )


def to_delivery(row: DeliveryRow) -> Delivery:
    return Delivery(id=row.id, status=DeliveryStatus(row.status), **{f: getattr(row, f) for f in _PLAIN})


@dataclass(frozen=True, slots=True)
class Pending:
    """A row ready to go, with its subscriber as they are now (None if erased meanwhile)."""

    delivery: Delivery
    subscriber_status: str | None
    streams: list[str]


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    delivery: Delivery
    requeued_after_crash: bool


class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def for_issue(self, issue_id: int) -> list[Delivery]:
        q = select(DeliveryRow).where(DeliveryRow.issue_id == issue_id).order_by(DeliveryRow.id)
        return [to_delivery(r) for r in self.s.scalars(q)]

    def ledger(self, issue_id: int) -> list[LedgerEntry]:
        q = select(DeliveryRow).where(DeliveryRow.issue_id == issue_id).order_by(DeliveryRow.id)
        return [LedgerEntry(to_delivery(r), bool(r.requeued_after_crash)) for r in self.s.scalars(q)]

    # -- freezing -----------------------------------------------------------------------------------------

    def confirmed_subscribers(self, issue_id: int) -> list[Subscriber]:
        """The confirmed subscribers of the issue's network: the ledger of an issue follows its network. Those
        with the same preferences share one :class:`Preferences` (a send reads them, never changes them)."""
        return audience_of(self.s, _network_of(issue_id))

    def suppressed_hashes(self, issue_id: int) -> set[str]:
        """The addresses the issue's network must not mail, as hashes."""
        q = select(SuppressionRow.email_hash).where(SuppressionRow.network_id == _network_of(issue_id))
        return set(self.s.scalars(q))

    def has_ledger(self, issue_id: int) -> bool:
        return self.s.scalar(select(DeliveryRow.id).where(DeliveryRow.issue_id == issue_id).limit(1)) is not None

    def freeze(self, deliveries: Sequence[Delivery]) -> int:
        """Insert every row straight to the driver (COPY on PostgreSQL, executemany on SQLite: SQLAlchemy's
        insertmanyvalues spent most of the time adapting dicts); the caller's transaction makes it all or
        nothing, and the unique (issue, subscriber) key still refuses a row frozen twice."""
        rows = [(*(getattr(d, f) for f in _PLAIN), str(d.status), False) for d in deliveries]
        bulk_insert(self.s, _TABLE, _FROZEN_COLUMNS, rows)
        return len(rows)

    # -- sending ------------------------------------------------------------------------------------------

    def requeue_in_flight(self, issue_id: int) -> int:
        """Rows a crash left in ``sending`` go back to the queue, flagged: they may have gone out already."""
        q = (
            update(DeliveryRow)
            .where(DeliveryRow.issue_id == issue_id, DeliveryRow.status == str(DeliveryStatus.SENDING))
            .values(status=str(DeliveryStatus.QUEUED), requeued_after_crash=True)
        )
        return int(self.s.execute(q).rowcount)  # type: ignore[attr-defined]

    def release(self, ids: Iterable[int]) -> int:
        """Rows a loop claimed and surely did not send (it lost its database or its mail system before handing
        them over) go back to the queue as they were: not flagged as crash leftovers, the attempt not counted."""
        wanted = list(ids)
        if not wanted:
            return 0
        q = (
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(wanted), DeliveryRow.status == str(DeliveryStatus.SENDING))
            .values(status=str(DeliveryStatus.QUEUED), attempts=DeliveryRow.attempts - 1)
        )
        return int(self.s.execute(q).rowcount)  # type: ignore[attr-defined]

    def pending(
        self, issue_id: int, *, after_id: int, limit: int, now: datetime, shard: tuple[int, int] | None = None
    ) -> list[Pending]:
        """Queued rows above the checkpoint, else deferred rows that are due, lowest id first; with
        ``shard=(k, n)`` only rows whose id is k modulo n. Each kind is read as its own range of the (issue,
        status, id) index, then the two are merged: one query with an OR scanned every row of the issue (SQLite
        took the unique key), which made each batch cost as much as the whole ledger."""
        params: dict[str, Any] = {"issue_id": issue_id, "after_id": after_id, "now": now, "limit": limit}
        if shard is not None:
            params.update(shard_k=shard[0], shard_n=shard[1])
        out = []
        rows = self.s.execute(_pending_query(shard is not None), params)
        for row in rows.mappings():  # plain rows, not ORM objects: this is the send loop's hot path
            d = Delivery(id=row["id"], status=DeliveryStatus(row["status"]), **{f: row[f] for f in _PLAIN})
            streams = [str(x) for x in (row["preferences"] or {}).get("streams", ["newsletter", "emailing"])]
            out.append(Pending(d, row["sub_status"], streams))
        return out

    def claim(self, ids: Sequence[int], now: datetime) -> set[int]:
        """Move rows to ``sending`` only if they are still queued, or deferred and due, in one conditional
        UPDATE: two loops on the same issue (the admin's background sender and the scheduler's job) can read
        the same rows, but each row is claimed by one of them only. Returns the ids this call claimed."""
        if not ids:
            return set()
        conn = self.s.connection()
        proc = _TABLE.c["sending_at"].type.bind_processor(conn.dialect)
        when = proc(now) if proc is not None else now
        params: tuple[Any, ...]
        if conn.dialect.name == "postgresql":  # one array parameter: one statement text whatever the batch size
            sql, params = _CLAIM.format(op="=", ids="ANY(%s::bigint[])"), (when, list(ids), when)
        else:
            sql = _CLAIM.format(op="IN", ids=f"({', '.join('?' * len(ids))})").replace("%s", "?")
            params = (when, *ids, when)
        return {int(i) for (i,) in conn.exec_driver_sql(sql, params)}

    def write(self, changes: Iterable[dict[str, Any]]) -> None:
        """Bulk UPDATE by primary key: each dict has ``id`` and the columns to set."""
        rows = list(changes)
        if rows:
            self.s.execute(update(DeliveryRow), rows)

    @staticmethod
    def write_outcomes(db: Database, changes: Sequence[dict[str, Any]]) -> None:
        """The send loop's hot path: outcomes by primary key in one short transaction, one executemany straight
        to the driver (SQLAlchemy's statement machinery cost more than the write itself). Values go through the
        columns' own bind processors, as SQLAlchemy would convert them."""
        if not changes:
            return
        with db.engine.begin() as conn:
            dialect = conn.dialect
            procs = [_TABLE.c[c].type.bind_processor(dialect) for c in _OUTCOME_COLUMNS]
            rows = [
                [
                    p(c[k]) if p is not None and c[k] is not None else c[k]
                    for p, k in zip(procs, _OUTCOME_COLUMNS, strict=True)
                ]
                + [c["id"]]
                for c in changes
            ]
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                if dialect.name == "postgresql":
                    columns = list(zip(*rows, strict=True))
                    cursor.execute(_PG_OUTCOMES, [list(columns[-1]), *(list(c) for c in columns[:-1])])
                else:
                    sets = ", ".join(f"{c} = ?" for c in _OUTCOME_COLUMNS)
                    cursor.executemany(f"UPDATE deliveries SET {sets} WHERE id = ?", rows)  # noqa: S608 (our names)
            finally:
                cursor.close()

    def counts(self, issue_id: int) -> dict[DeliveryStatus, int]:
        q = (
            select(DeliveryRow.status, func.count())
            .where(DeliveryRow.issue_id == issue_id)
            .group_by(DeliveryRow.status)
        )
        found = {DeliveryStatus(s): int(n) for s, n in self.s.execute(q)}
        return {st: found.get(st, 0) for st in DeliveryStatus}

    def next_due(self, issue_id: int) -> datetime | None:
        q = select(func.min(DeliveryRow.next_attempt_at)).where(
            DeliveryRow.issue_id == issue_id, DeliveryRow.status == str(DeliveryStatus.DEFERRED)
        )
        return self.s.scalar(q)

    def skip_remaining(self, issue_id: int, reason: str, now: datetime) -> int:
        """Queued and deferred rows become skipped (cancelled, or too late to send)."""
        q = (
            update(DeliveryRow)
            .where(
                DeliveryRow.issue_id == issue_id,
                DeliveryRow.status.in_([str(DeliveryStatus.QUEUED), str(DeliveryStatus.DEFERRED)]),
            )
            .values(status=str(DeliveryStatus.SKIPPED), smtp_reply=reason, finished_at=now, next_attempt_at=None)
        )
        return int(self.s.execute(q).rowcount)  # type: ignore[attr-defined]

    # -- the issue's own state ----------------------------------------------------------------------------

    def issue_status(self, issue_id: int) -> IssueStatus:
        status = self.s.scalar(select(IssueRow.status).where(IssueRow.id == issue_id))
        if status is None:
            raise NotFound(f"issue {issue_id} not found", code="issue_not_found", issue=issue_id)
        return IssueStatus(status)

    def set_issue(self, issue_id: int, status: IssueStatus, **times: datetime | None) -> None:
        """Set an issue's status (and ``started_at`` / ``sent_at`` / ``scheduled_at`` when given)."""
        allowed = {"started_at", "sent_at", "scheduled_at"}
        values: dict[str, Any] = {k: v for k, v in times.items() if k in allowed}
        self.s.execute(update(IssueRow).where(IssueRow.id == issue_id).values(status=str(status), **values))


def _network_of(issue_id: int) -> ScalarSelect[int]:
    return select(IssueRow.network_id).where(IssueRow.id == issue_id).scalar_subquery()
