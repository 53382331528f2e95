"""What the issue pages read besides the :class:`~digest.service.DigestService`'s edits: the lists of issues, the
approved items (feeds, pickers, search), copies and deletion of drafts, the last calls waiting, and the counted
redirect of an item's link. The web layer holds one :class:`IssueDesk` built by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from core.clock import Clock
from core.model import Issue, IssueStatus, Item
from core.settings import NetworkSettings
from digest import drafts
from storage.clicks import ClickRepository, ClickTarget
from storage.database import Database
from storage.issues import IssueRepository
from storage.proposals import LastCallRepository

__all__ = ["ClickTarget", "IssueDesk"]


@dataclass
class IssueDesk:
    db: Database
    clock: Clock
    network: NetworkSettings

    def find(self, *, status: IssueStatus | None = None) -> list[Issue]:
        with self.db.session() as s:
            return IssueRepository(s).find(status=status)

    def get(self, issue_id: int) -> Issue:
        """NotFound when it is gone."""
        with self.db.session() as s:
            return IssueRepository(s).get(issue_id)

    def approved_items(self) -> list[Item]:
        with self.db.session() as s:
            return IssueRepository(s).approved_items()

    def duplicate(self, issue_id: int, *, by: str | None) -> Issue:
        return drafts.duplicate(self.db, self.clock, self.network, issue_id, by=by)

    def delete_draft(self, issue_id: int) -> None:
        drafts.delete_draft(self.db, issue_id)

    def waiting_last_calls(self) -> list[Issue]:
        """The « Dernier rappel » emailings drafted by the daily job and not yet approved."""
        with self.db.session() as s:
            ids = LastCallRepository(s).issue_ids()
            return [i for i in IssueRepository(s).find(status=IssueStatus.DRAFT) if i.id in ids] if ids else []

    def follow_click(
        self, issue_id: int, item_id: int, day: date, *, counted: Callable[[ClickTarget], bool]
    ) -> ClickTarget | None:
        """The item's links if it is in the issue (else None); one more click that day when ``counted`` says so."""
        with self.db.session() as s:
            repo = ClickRepository(s)
            found = repo.target(issue_id, item_id)
            if found is not None and counted(found):
                repo.add(issue_id, item_id, day)
            return found
