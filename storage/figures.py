"""Aggregate queries behind the key figures: set-based, portable to SQLite and PostgreSQL.

Every method answers one question about a half-open UTC window ``[lo, hi)`` with set-based SQL (on the ledger,
a few index range counts rather than one big GROUP BY); ``figures.compute`` assembles the results.
Nothing here is a counter kept by hand: each number is counted from items, events, issues and the ledger.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, distinct, false, func, literal, or_, select, true, union
from sqlalchemy.orm import Session

from core.model import ConsentAction, DeliveryStatus, IssueStatus, ItemAction, ItemKind
from storage.networks import network_of
from storage.tables import (
    BounceRow,
    CollectionRunRow,
    ConsentEventRow,
    DeliveryRow,
    IssueItemRow,
    IssueRow,
    ItemEventRow,
    ItemRow,
    ItemSourceRow,
    SourceRow,
    SubscriberRow,
)

Window = tuple[datetime, datetime]
# The ledger statuses key figures report; queued, sending, deferred and skipped rows are not finished sends.
COUNTED_STATUSES = (DeliveryStatus.ACCEPTED, DeliveryStatus.BOUNCED, DeliveryStatus.FAILED)


def _in(column: Any, window: Window) -> ColumnElement[bool]:
    lo, hi = window
    return and_(column >= lo, column < hi)


def _counts(rows: Sequence[Any]) -> dict[str, int]:
    return {str(key): int(n) for key, n in rows}


class FiguresQueries:
    """One network's figures when the session is one network's (:func:`storage.networks.network_of`); otherwise
    the whole database's: a deployment of one network, or the national view of several (``national``), where
    each network's row of one shared entry counts once among the items."""

    def __init__(self, session: Session, *, national: bool = False) -> None:
        self.s = session
        self.network: int | None = network_of(session) if "network_id" in session.info else None
        self.national = national

    # --- scope ---------------------------------------------------------------------------------------------------
    def _mine(self, column: Any) -> list[ColumnElement[bool]]:
        """``column == this network`` when figures are one network's; nothing for the whole database."""
        return [] if self.network is None else [column == self.network]

    def _my_issues(self) -> list[ColumnElement[bool]]:
        if self.network is None:
            return []
        return [DeliveryRow.issue_id.in_(select(IssueRow.id).where(IssueRow.network_id == self.network))]

    def _item_key(self) -> Any:
        """What names an item: its row; nationally, its entry: a shared source's entry stored by three networks
        is one item (its first sighting names it; an item no source gave is its own)."""
        if not self.national:
            return ItemRow.id
        first = (
            select(func.min(cast(ItemSourceRow.source_id, String) + literal(":") + ItemSourceRow.source_item_id))
            .where(ItemSourceRow.item_id == ItemRow.id)
            .correlate(ItemRow)
            .scalar_subquery()
        )
        return func.coalesce(first, literal("item:") + cast(ItemRow.id, String))

    def _count_items(self) -> Any:
        return func.count(distinct(self._item_key())) if self.national else func.count()

    def _sources_followed(self) -> list[ColumnElement[bool]]:
        """The sources a network's figures count: the shared ones and its own."""
        if self.network is None:
            return []
        return [or_(SourceRow.network_id.is_(None), SourceRow.network_id == self.network)]

    # --- issues and the ledger ------------------------------------------------------------------------------
    def issues_sent(self, window: Window) -> list[tuple[str, datetime]]:
        """(kind, sent_at) of every issue sent in the window; a year holds about 120 of them."""
        q = (
            select(IssueRow.kind, IssueRow.sent_at)
            .where(IssueRow.status == IssueStatus.SENT, _in(IssueRow.sent_at, window), *self._mine(IssueRow.network_id))
            .order_by(IssueRow.sent_at)
        )
        return [(str(k), at) for k, at in self.s.execute(q) if at is not None]

    def _count(self, *where: ColumnElement[bool]) -> int:
        q = select(func.count()).select_from(DeliveryRow).where(*where, *self._my_issues())
        return int(self.s.scalar(q) or 0)

    def deliveries_per_month(self, months: Sequence[Window], status: str = DeliveryStatus.ACCEPTED) -> list[int]:
        """Ledger rows of ``status`` finished in each month window.

        One count per month: each is a range count on ``ix_deliveries_status_finished`` that reads only the
        index entries it counts, with no sort; far cheaper than grouping two million rows by a CASE.
        """
        return [self._count(DeliveryRow.status == status, _in(DeliveryRow.finished_at, m)) for m in months]

    def deliveries_by_status(self, window: Window, statuses: Collection[str] = COUNTED_STATUSES) -> dict[str, int]:
        """Ledger rows finished in the window, per status (one range count each, same index)."""
        return {str(st): self._count(DeliveryRow.status == st, _in(DeliveryRow.finished_at, window)) for st in statuses}

    def distinct_recipients(self, window: Window) -> int:
        """Distinct recipients with at least one accepted message finished in the window.

        Counted per subscriber (one index probe each on ``ix_deliveries_subscriber_status_finished``), plus
        distinct addresses among rows whose subscriber was erased (subscriber_id set to NULL).
        """
        accepted = and_(DeliveryRow.status == DeliveryStatus.ACCEPTED, _in(DeliveryRow.finished_at, window))
        known = (
            select(func.count())
            .select_from(SubscriberRow)
            .where(
                select(DeliveryRow.id).where(DeliveryRow.subscriber_id == SubscriberRow.id, accepted).exists(),
                *self._mine(SubscriberRow.network_id),
            )
        )
        erased = select(func.count(distinct(DeliveryRow.email))).where(
            DeliveryRow.subscriber_id.is_(None), accepted, *self._my_issues()
        )
        return int(self.s.scalar(known) or 0) + int(self.s.scalar(erased) or 0)

    def bounces_by_kind(self, window: Window) -> dict[str, int]:
        mine: list[ColumnElement[bool]] = []
        if self.network is not None:  # a bounce belongs to its subscriber's network, or its delivery's
            theirs = select(SubscriberRow.id).where(SubscriberRow.network_id == self.network)
            sent = select(DeliveryRow.id).where(*self._my_issues())
            mine = [or_(BounceRow.subscriber_id.in_(theirs), BounceRow.delivery_id.in_(sent))]
        q = select(BounceRow.kind, func.count()).where(_in(BounceRow.at, window), *mine).group_by(BounceRow.kind)
        return _counts(self.s.execute(q).all())

    # --- subscribers, from the consent log -------------------------------------------------------------------
    def _adds(self) -> ColumnElement[bool]:
        confirmed: ColumnElement[bool]
        if self.s.get_bind().dialect.name == "postgresql":
            # compare text, not CAST(... AS BOOLEAN): a stray non-boolean value must not abort the figures
            confirmed = ConsentEventRow.details["confirmed"].as_string() == "true"
        else:
            confirmed = func.coalesce(ConsentEventRow.details["confirmed"].as_boolean(), false()) == true()
        confirmed_import = and_(ConsentEventRow.action == ConsentAction.IMPORT, confirmed)
        return or_(ConsentEventRow.action == ConsentAction.CONFIRM, confirmed_import)

    @staticmethod
    def _removes() -> ColumnElement[bool]:
        return or_(
            ConsentEventRow.action.in_([ConsentAction.SUPPRESS, ConsentAction.ERASE]),
            and_(
                ConsentEventRow.action == ConsentAction.UNSUBSCRIBE,
                ConsentEventRow.details["stream"].as_string() == "all",
            ),
        )

    def subscribers_at(self, instant: datetime) -> int:
        """Addresses (by email hash) whose last add-or-remove consent event before ``instant`` is an add."""
        adds = self._adds()
        rank = (
            func.row_number()
            .over(
                # per network: one address in two networks is two subscriptions, each with its own last word
                partition_by=(ConsentEventRow.network_id, ConsentEventRow.email_hash),
                order_by=(ConsentEventRow.at.desc(), ConsentEventRow.id.desc()),
            )
            .label("rn")
        )
        last = (
            select(case((adds, 1), else_=0).label("is_add"), rank)
            .where(ConsentEventRow.at < instant, or_(adds, self._removes()), *self._mine(ConsentEventRow.network_id))
            .subquery()
        )
        q = select(func.count()).select_from(last).where(last.c.rn == 1, last.c.is_add == 1)
        return int(self.s.scalar(q) or 0)

    def consent_counts(self, window: Window) -> dict[str, int]:
        """Consent events in the window: confirm, import_confirmed, suppress, erase, unsubscribe:<stream>."""
        label = case(
            (ConsentEventRow.action == ConsentAction.CONFIRM, literal("confirm")),
            (self._adds(), literal("import_confirmed")),
            (
                ConsentEventRow.action == ConsentAction.UNSUBSCRIBE,
                literal("unsubscribe:") + func.coalesce(ConsentEventRow.details["stream"].as_string(), "unknown"),
            ),
            else_=ConsentEventRow.action,
        ).label("what")
        q = (
            select(label, func.count())
            .where(
                _in(ConsentEventRow.at, window),
                *self._mine(ConsentEventRow.network_id),
                ConsentEventRow.action.in_(
                    [
                        ConsentAction.CONFIRM,
                        ConsentAction.IMPORT,
                        ConsentAction.UNSUBSCRIBE,
                        ConsentAction.SUPPRESS,
                        ConsentAction.ERASE,
                    ]
                ),
            )
            .group_by(label)
        )
        return {k: n for k, n in _counts(self.s.execute(q).all()).items() if k != ConsentAction.IMPORT}

    # --- items ------------------------------------------------------------------------------------------------
    def items_collected(self, window: Window) -> dict[str, int]:
        q = (
            select(ItemRow.kind, self._count_items())
            .where(_in(ItemRow.collected_at, window), *self._mine(ItemRow.network_id))
            .group_by(ItemRow.kind)
        )
        return _counts(self.s.execute(q).all())

    def items_approved(self, window: Window) -> dict[str, int]:
        """Items with an ``approved`` event in the window, or (for items approved without events) approved_at."""
        evented = select(ItemEventRow.item_id).where(
            ItemEventRow.action == ItemAction.APPROVED, _in(ItemEventRow.at, window)
        )
        # a UNION of two indexed lookups, not an OR that would scan every item
        ids = union(select(ItemRow.id).where(_in(ItemRow.approved_at, window)), evented)
        q = (
            select(ItemRow.kind, self._count_items())
            .where(ItemRow.id.in_(ids), *self._mine(ItemRow.network_id))
            .group_by(ItemRow.kind)
        )
        return _counts(self.s.execute(q).all())

    def _published(self, window: Window) -> Any:
        """Subquery of the ids of items placed in an issue sent in the window."""
        return (
            select(IssueItemRow.item_id)
            .join(IssueRow, IssueRow.id == IssueItemRow.issue_id)
            .where(IssueRow.status == IssueStatus.SENT, _in(IssueRow.sent_at, window), *self._mine(IssueRow.network_id))
        )

    def items_published(self, window: Window) -> dict[str, int]:
        q = (
            select(ItemRow.kind, self._count_items())
            .where(ItemRow.id.in_(self._published(window)))
            .group_by(ItemRow.kind)
        )
        return _counts(self.s.execute(q).all())

    def published_events_by_territory(self, window: Window, territories: Collection[str]) -> dict[str, int]:
        """Published events per territory tag (an event in two départements counts in each); "" for events
        with none. Départements are tags: the same notion the digest's segments and the triage filter read."""
        events = ItemRow.kind == ItemKind.EVENT, ItemRow.id.in_(self._published(window))
        tag = self._tags()
        counts: dict[str, int] = {}
        if territories:
            q = (
                select(tag.c.value, func.count(distinct(self._item_key())))
                .select_from(ItemRow)
                .join(tag, true())
                .where(*events, tag.c.value.in_(sorted(territories)))
                .group_by(tag.c.value)
            )
            counts = _counts(self.s.execute(q).all())
        total = int(self.s.scalar(select(self._count_items()).select_from(ItemRow).where(*events)) or 0)
        placed = self.published_with_any_tag(window, territories, kind=ItemKind.EVENT) if territories else 0
        if total - placed:
            counts[""] = total - placed
        return counts

    def _tags(self) -> Any:
        """A table-valued unnest of ``items.tags`` with a ``value`` column (json_each / jsonb_array_elements)."""
        if self.s.get_bind().dialect.name == "postgresql":
            return func.jsonb_array_elements_text(ItemRow.tags).table_valued("value").render_derived(name="tag")
        return func.json_each(ItemRow.tags).table_valued("value").alias("tag")

    def published_tag_counts(self, window: Window) -> dict[str, int]:
        """Published items per tag (each item counted once per distinct tag)."""
        tag = self._tags()
        q = (
            select(tag.c.value, func.count(distinct(self._item_key())))
            .select_from(ItemRow)
            .join(tag, true())
            .where(ItemRow.id.in_(self._published(window)))
            .group_by(tag.c.value)
        )
        return _counts(self.s.execute(q).all())

    def published_with_any_tag(self, window: Window, tags: Collection[str], kind: ItemKind | None = None) -> int:
        """Published items (of ``kind``) carrying at least one of ``tags``: the base of a family's shares."""
        if not tags:
            return 0
        tag = self._tags()
        q = (
            select(func.count(distinct(self._item_key())))
            .select_from(ItemRow)
            .join(tag, true())
            .where(ItemRow.id.in_(self._published(window)), tag.c.value.in_(sorted(tags)))
        )
        if kind is not None:
            q = q.where(ItemRow.kind == kind)
        return int(self.s.scalar(q) or 0)

    # --- sources and editors -----------------------------------------------------------------------------------
    def sources_health(self) -> dict[str, int]:
        """Sources now: total, enabled, and enabled ones never run / healthy / failing."""
        enabled = SourceRow.enabled == true()
        q = select(
            func.count(),
            func.sum(case((enabled, 1), else_=0)),
            func.sum(case((and_(enabled, SourceRow.last_run_at.is_(None)), 1), else_=0)),
            func.sum(
                case(
                    (and_(enabled, SourceRow.last_run_at.is_not(None), SourceRow.consecutive_failures == 0), 1), else_=0
                )
            ),
            func.sum(case((and_(enabled, SourceRow.consecutive_failures > 0), 1), else_=0)),
        ).where(
            SourceRow.origin != "member",  # « Proposition d'un membre — … »: where proposals come from, not watched
            *self._sources_followed(),
        )
        total, on, never, ok, failing = self.s.execute(q).one()
        return {
            "total": int(total or 0),
            "enabled": int(on or 0),
            "never_run": int(never or 0),
            "healthy": int(ok or 0),
            "failing": int(failing or 0),
        }

    def collection_runs(self, window: Window) -> dict[str, int]:
        followed = []
        if self.network is not None:
            followed = [CollectionRunRow.source_id.in_(select(SourceRow.id).where(*self._sources_followed()))]
        q = (
            select(CollectionRunRow.outcome, func.count())
            .where(_in(CollectionRunRow.started_at, window), *followed)
            .group_by(CollectionRunRow.outcome)
        )
        return _counts(self.s.execute(q).all())

    def triage_by_actor(self, window: Window) -> dict[tuple[str, str], int]:
        """Approve and reject events in the window: {(actor, action): count}."""
        q = (
            select(ItemEventRow.actor, ItemEventRow.action, func.count())
            .join(ItemRow, ItemRow.id == ItemEventRow.item_id)
            .where(
                ItemEventRow.action.in_([ItemAction.APPROVED, ItemAction.REJECTED]),
                _in(ItemEventRow.at, window),
                *self._mine(ItemRow.network_id),
            )
            .group_by(ItemEventRow.actor, ItemEventRow.action)
        )
        return {(str(a), str(act)): int(n) for a, act, n in self.s.execute(q)}

    def median_approval_seconds(self, window: Window) -> float | None:
        """Median seconds from collection to approval of items whose approved_at falls in the window.

        The database subtracts and sorts; only the one or two middle values come back.
        """
        if self.s.get_bind().dialect.name == "postgresql":
            delay: Any = func.extract("epoch", ItemRow.approved_at - ItemRow.collected_at)
        else:
            delay = (func.julianday(ItemRow.approved_at) - func.julianday(ItemRow.collected_at)) * 86400.0
        where = (_in(ItemRow.approved_at, window), ItemRow.collected_at.is_not(None), *self._mine(ItemRow.network_id))
        n = int(self.s.scalar(select(func.count()).where(*where)) or 0)
        if n == 0:
            return None
        middle = select(delay).where(*where).order_by(delay).limit(2 - n % 2).offset((n - 1) // 2)
        values = [max(0.0, float(v)) for v in self.s.scalars(middle)]
        return sum(values) / len(values)
