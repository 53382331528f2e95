"""What the editors' pages read and do on items and sources: the triage queue, one item and its history, the
sources. The web layer holds one :class:`CurationDesk` built by the composition root; the actions themselves are
the :class:`~curation.actions.Curator`'s.

The triage page's types are the storage layer's plain rows, named here for the pages that show them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.clock import Clock
from core.model import Item, ItemStatus, Proposal, Source
from curation.actions import Curator
from curation.validate import Taxonomy
from storage.database import Database
from storage.items import ItemRepository
from storage.proposals import ProposalRepository
from storage.sources import SourceRepository
from storage.triage import TriagePage, TriageQuery, TriageRow, find_page

# How long the triage filter's source names are kept before they are read again.
NAMES_KEPT = timedelta(seconds=5)

__all__ = ["CurationDesk", "TriagePage", "TriageQuery", "TriageRow"]


@dataclass
class CurationDesk:
    db: Database
    clock: Clock
    taxonomy: Taxonomy
    curator: Curator = field(init=False)
    _names: tuple[datetime, list[tuple[int, str]]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.curator = Curator(self.db, self.clock, self.taxonomy)

    # -- items ------------------------------------------------------------------------------------------------

    def triage_page(self, query: TriageQuery) -> tuple[TriagePage, list[tuple[int, str]], dict[int, list[str]]]:
        """One page of the queue, every source's (id, name) for the filters, and the other networks that approved
        the page's items (« déjà relayé par », nothing asked of a deployment of one network)."""
        with self.db.reading() as s:  # at most four SELECTs on one connection, no BEGIN and COMMIT round trips
            page = find_page(s, query)
            ids = [row.id for row in page.rows]
            relayed = ItemRepository(s).relayed_elsewhere(ids) if self.db.network_id is not None else {}
            return page, self._source_names(SourceRepository(s)), relayed

    def _source_names(self, sources: SourceRepository) -> list[tuple[int, str]]:
        """Read again after NAMES_KEPT or once this desk saved a source: the filter's list is every source of the
        deployment's (1,500 in a national one: a third of a triage page's work), and names change rarely. Another
        process's change shows here within NAMES_KEPT."""
        now, kept = self.clock.now(), self._names
        if kept is None or not kept[0] <= now < kept[0] + NAMES_KEPT:
            kept = self._names = (now, sources.names())
        return kept[1]

    def relayed(self, item_ids: Sequence[int]) -> dict[int, list[str]]:
        """The other networks that approved these items (their own rows of them); nothing asked of a deployment
        of one network."""
        if self.db.network_id is None:
            return {}
        with self.db.reading() as s:
            return ItemRepository(s).relayed_elsewhere(item_ids)

    def item(self, item_id: int) -> Item:
        """NotFound when it is gone; a read without a transaction (the row an htmx action answers with)."""
        with self.db.reading() as s:
            return ItemRepository(s).get(item_id)

    def item_with_history(self, item_id: int) -> tuple[Item, list[dict[str, Any]]]:
        """The item and its logged events; NotFound when it is gone."""
        with self.db.session() as s:
            repo = ItemRepository(s)
            return repo.get(item_id), repo.events(item_id)

    def proposal_of(self, item_id: int) -> Proposal | None:
        """The member's proposal the item came from, if any."""
        with self.db.session() as s:
            return ProposalRepository(s).for_item(item_id)

    def counts(self) -> dict[ItemStatus, int]:
        with self.db.session() as s:
            items = ItemRepository(s)
            return {status: items.count(status=status) for status in ItemStatus}

    # -- sources ----------------------------------------------------------------------------------------------

    def sources(self) -> list[Source]:
        with self.db.session() as s:
            return SourceRepository(s).find()

    def source(self, source_id: int) -> Source:
        """NotFound when it is gone."""
        with self.db.session() as s:
            return SourceRepository(s).get(source_id)

    def save_source(self, source: Source) -> Source:
        with self.db.session() as s:
            saved = SourceRepository(s).save(source)
        self._names = None
        return saved
