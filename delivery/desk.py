"""What the send pages read from the ledger and the staff's levers on a send (:mod:`delivery.control`), over one
database. The web layer holds one :class:`LedgerDesk` built by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.model import Delivery, DeliveryStatus
from delivery import control
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.ledger_pages import counts_by_issue, ledger_page


@dataclass
class LedgerDesk:
    db: Database

    def counts(self, issue_id: int) -> dict[DeliveryStatus, int]:
        """The issue's ledger rows per status."""
        with self.db.session() as s:
            return DeliveryRepository(s).counts(issue_id)

    def counts_by_issue(self) -> dict[int, dict[DeliveryStatus, int]]:
        with self.db.session() as s:
            return counts_by_issue(s)

    def page(
        self, issue_id: int, *, status: DeliveryStatus | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[Delivery], int]:
        """Rows of one issue in ledger order (optionally of one status), and how many match in all."""
        with self.db.session() as s:
            return ledger_page(s, issue_id, status=status, offset=offset, limit=limit)

    def pause(self, issue_id: int) -> None:
        control.pause(self.db, issue_id)

    def resume(self, issue_id: int) -> None:
        control.resume(self.db, issue_id)

    def cancel(self, issue_id: int, now: datetime) -> int:
        return control.cancel(self.db, issue_id, now)
