"""Members' proposals (:class:`core.model.Proposal`) and the last calls already drafted: rows in, nouns out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.errors import NotFound
from core.model import Proposal, ProposalStatus
from storage.networks import network_of
from storage.tables import ItemEventRow, ItemRow, LastCallRow, ProposalRow

_PLAIN = ("email", "organisation", "image_name", "ip", "created_at", "confirmed_at", "item_id", "decided_at", "reason")


def to_proposal(row: ProposalRow) -> Proposal:
    return Proposal(
        id=row.id,
        status=ProposalStatus(row.status),
        fields=dict(row.fields or {}),
        **{f: getattr(row, f) for f in _PLAIN},
    )


class ProposalRepository:
    """One network's proposals: another network's are not found, whatever id is given."""

    def __init__(self, session: Session, network_id: int | None = None) -> None:
        self.s = session
        self.network = network_of(session) if network_id is None else network_id
        self._mine = ProposalRow.network_id == self.network

    def _row(self, proposal_id: int) -> ProposalRow | None:
        row = self.s.get(ProposalRow, proposal_id)
        return row if row is not None and row.network_id == self.network else None

    def get(self, proposal_id: int) -> Proposal:
        row = self._row(proposal_id)
        if row is None:
            raise NotFound(f"proposal {proposal_id} not found", code="proposal_not_found", proposal=proposal_id)
        return to_proposal(row)

    def save(self, proposal: Proposal) -> Proposal:
        row = self._row(proposal.id) if proposal.id is not None else None
        if proposal.id is not None and row is None:
            raise NotFound(f"proposal {proposal.id} not found", code="proposal_not_found", proposal=proposal.id)
        if row is None:
            row = ProposalRow(network_id=self.network)
            self.s.add(row)
        row.status = str(proposal.status)
        row.fields = dict(proposal.fields)
        for f in _PLAIN:
            setattr(row, f, getattr(proposal, f))
        self.s.flush()
        proposal.id = row.id
        return proposal

    def lock(self, proposal_id: int) -> Proposal:
        """The proposal, its row locked until the transaction ends (PostgreSQL; SQLite writes one at a time): two
        clicks on one confirmation link make one item."""
        row = self.s.scalars(
            select(ProposalRow).where(self._mine, ProposalRow.id == proposal_id).with_for_update()
        ).first()
        if row is None:
            raise NotFound(f"proposal {proposal_id} not found", code="proposal_not_found", proposal=proposal_id)
        return to_proposal(row)

    def pending_before(self, cutoff: datetime) -> list[Proposal]:
        rows = self.s.scalars(
            select(ProposalRow).where(
                self._mine, ProposalRow.status == ProposalStatus.PENDING, ProposalRow.created_at < cutoff
            )
        )
        return [to_proposal(r) for r in rows]

    def delete(self, proposal_ids: Sequence[int]) -> None:
        if proposal_ids:
            self.s.execute(delete(ProposalRow).where(self._mine, ProposalRow.id.in_(list(proposal_ids))))

    def awaiting_outcome(self, item_ids: Sequence[int] | None = None) -> list[tuple[Proposal, str]]:
        """Confirmed proposals whose item an editor has approved or rejected, with that status: the proposers to
        tell. ``item_ids``: only these items (the ones just acted on)."""
        query = (
            select(ProposalRow, ItemRow.status)
            .join(ItemRow, ItemRow.id == ProposalRow.item_id)
            .where(
                self._mine, ProposalRow.status == ProposalStatus.CONFIRMED, ItemRow.status.in_(["approved", "rejected"])
            )
            .order_by(ProposalRow.id)
        )
        if item_ids is not None:
            query = query.where(ProposalRow.item_id.in_(list(item_ids)))
        return [(to_proposal(row), str(status)) for row, status in self.s.execute(query)]

    def rejection_reason(self, item_id: int) -> str:
        """The reason the editor gave with the item's latest rejection ("" when none)."""
        changes = self.s.scalars(
            select(ItemEventRow.changes)
            .where(ItemEventRow.item_id == item_id, ItemEventRow.action == "rejected")
            .order_by(ItemEventRow.at.desc(), ItemEventRow.id.desc())
            .limit(1)
        ).first()
        return str((changes or {}).get("rejection_reason") or "")

    def counts(self, start: datetime, end: datetime) -> dict[str, int]:
        """Key figures: proposals received (confirmed by their contact), published and declined in ``[start, end)``."""

        def n(column: InstrumentedAttribute[datetime | None], *where: ColumnElement[bool]) -> int:
            query = (
                select(func.count()).select_from(ProposalRow).where(self._mine, column >= start, column < end, *where)
            )
            return int(self.s.scalar(query) or 0)

        return {
            "received": n(ProposalRow.confirmed_at),
            "published": n(ProposalRow.decided_at, ProposalRow.status == ProposalStatus.PUBLISHED),
            "declined": n(ProposalRow.decided_at, ProposalRow.status == ProposalStatus.DECLINED),
        }

    def for_item(self, item_id: int) -> Proposal | None:
        row = self.s.scalars(select(ProposalRow).where(self._mine, ProposalRow.item_id == item_id)).first()
        return to_proposal(row) if row is not None else None


class LastCallRepository:
    """Which items were already in a « Dernier rappel » emailing."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def recalled(self) -> set[int]:
        return set(self.s.scalars(select(LastCallRow.item_id)))

    def record(self, item_ids: Sequence[int], issue_id: int, at: datetime) -> None:
        for item_id in item_ids:
            self.s.add(LastCallRow(item_id=item_id, issue_id=issue_id, drafted_at=at))
        self.s.flush()

    def issue_ids(self) -> set[int]:
        return {i for i in self.s.scalars(select(LastCallRow.issue_id).distinct()) if i is not None}
