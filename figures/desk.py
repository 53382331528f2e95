"""What the figures pages read over one database: the key figures of a period, an issue's report, the warnings of
the issue sent last, and the operational snapshot ``/metrics`` exposes. The web layer holds one
:class:`FiguresDesk` built by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.settings import TaxonomySettings
from figures.compute import compute_key_figures, with_previous
from figures.issue_report import IssueReport
from figures.issue_reports import before_next_send, issue_report
from figures.model import KeyFigures
from figures.period import Period
from storage.database import Database
from storage.metrics import Snapshot, snapshot

__all__ = ["FiguresDesk", "Snapshot"]


@dataclass
class FiguresDesk:
    db: Database
    taxonomy: TaxonomySettings
    national: bool = False  # over the deployment's database: every network added up, each shared item once

    def key_figures(self, period: Period, *, compare: bool = False) -> tuple[KeyFigures, KeyFigures | None]:
        """The period's figures, and the previous period's when ``compare``."""
        if compare:
            return with_previous(self.db, period, self.taxonomy, national=self.national)
        return compute_key_figures(self.db, period, self.taxonomy, national=self.national), None

    def issue_report(self, issue_id: int) -> IssueReport:
        """NotFound when the issue does not exist."""
        return issue_report(self.db, issue_id)

    def before_next_send(self, issue_id: int | None = None) -> tuple[IssueReport | None, list[str]]:
        return before_next_send(self.db, issue_id)

    def snapshot(self, now: datetime) -> Snapshot:
        with self.db.session() as s:
            return snapshot(s, now)
