"""What the staff's subscriber pages do over one database: the staff's tools on a subscriber, the export, the size
of an audience, a CSV import. The web layer holds one :class:`SubscriberDesk` built by the composition root (the
public flows are the :class:`~subscribers.kit.SubscriberKit`'s)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from core.clock import Clock
from core.model import Stream, Subscriber
from storage.database import Database
from storage.subscriber_search import SearchQuery, for_export
from subscribers import segments
from subscribers.importer import ImportReport, import_csv
from subscribers.preferences import Choices
from subscribers.staff import StaffTools

__all__ = ["SearchQuery", "SubscriberDesk"]


@dataclass
class SubscriberDesk:
    db: Database
    clock: Clock

    def tools(self, choices: Choices) -> StaffTools:
        return StaffTools(self.db, self.clock, choices)

    def for_export(self, status: str | None) -> list[Subscriber]:
        """Every subscriber (of ``status``), as the export writes them."""
        with self.db.session() as s:
            return for_export(s, status)

    def count(self, audience: Mapping[str, Sequence[str]], stream: Stream | None = None) -> int:
        """How many confirmed subscribers these preferences reach."""
        return segments.count(self.db, audience, stream)

    def import_csv(
        self,
        data: bytes,
        choices: Choices,
        *,
        dry_run: bool = False,
        confirmed: bool = False,
        basis: str = "",
        on_pending: Callable[[Subscriber], None] | None = None,
    ) -> ImportReport:
        return import_csv(
            self.db, self.clock, data, choices, dry_run=dry_run, confirmed=confirmed, basis=basis, on_pending=on_pending
        )
