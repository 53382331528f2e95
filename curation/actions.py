"""The editors' actions on items, one orchestrator each: load, decide (pure), store, log who and when.

Web pages and CLI commands call a :class:`Curator`; batches report per item, so one refused id never stops the
others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.clock import Clock
from core.errors import InvalidInput, InvalidTransition, NotFound
from core.model import Item, ItemAction, ItemStatus
from curation import decide
from curation.validate import MAX_NOTE, Taxonomy, clean_edit, clean_tags, clean_text
from storage.database import Database
from storage.items import ItemRepository

MAX_REASON = 500
Decision = Callable[[Item], tuple[Item, dict[str, Any]]]


@dataclass(slots=True)
class BatchResult:
    """What happened to each item of a bulk action."""

    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.refused


@dataclass
class Curator:
    db: Database
    clock: Clock
    taxonomy: Taxonomy

    def _apply(self, item_id: int, actor: str, action: ItemAction, decision: Decision) -> Item:
        """load | decide | store | log, in one transaction."""
        with self.db.session() as s:
            repo = ItemRepository(s)
            before = repo.get(item_id)
            after, changes = decision(before)
            if changes:
                after.updated_at = self.clock.now()
                repo.update(after)
                repo.log(item_id, at=self.clock.now(), actor=actor, action=str(action), changes=changes)
            return after

    # --- status ------------------------------------------------------------------------------------------------

    def set_status(self, item_ids: Iterable[int], target: ItemStatus, *, actor: str, reason: str = "") -> BatchResult:
        """approve | reject | archive | restore several items; each refusal (unknown id, forbidden move) reported.
        ``reason``: the editor's words with a rejection, logged with it (a member's proposal sends them on)."""
        result = BatchResult()
        now = self.clock.now()
        why = clean_text(reason, MAX_REASON, label="le motif") if target is ItemStatus.REJECTED else ""

        def decision(item: Item) -> tuple[Item, dict[str, Any]]:
            after, changes = decide.change_status(item, target, actor=actor, now=now)
            return after, {**changes, "rejection_reason": why} if changes and why else changes

        for item_id in dict.fromkeys(item_ids):
            try:
                self._apply(item_id, actor, decide.ACTION_OF[target], decision)
                result.done.append(item_id)
            except (NotFound, InvalidTransition) as exc:
                result.refused[item_id] = _french(exc)
        return result

    def approve(self, item_ids: Iterable[int], *, actor: str) -> BatchResult:
        return self.set_status(item_ids, ItemStatus.APPROVED, actor=actor)

    def reject(self, item_ids: Iterable[int], *, actor: str) -> BatchResult:
        return self.set_status(item_ids, ItemStatus.REJECTED, actor=actor)

    def archive(self, item_ids: Iterable[int], *, actor: str) -> BatchResult:
        return self.set_status(item_ids, ItemStatus.ARCHIVED, actor=actor)

    def restore(self, item_ids: Iterable[int], *, actor: str) -> BatchResult:
        return self.set_status(item_ids, ItemStatus.NEW, actor=actor)

    def approve_all_new(self, *, actor: str) -> BatchResult:
        with self.db.session() as s:
            ids = [i.id for i in ItemRepository(s).find(status=ItemStatus.NEW) if i.id is not None]
        return self.approve(ids, actor=actor)

    # --- fields ------------------------------------------------------------------------------------------------

    def edit(self, item_id: int, form: Mapping[str, Any], *, actor: str) -> Item:
        """Validate the editor's form (raises :class:`curation.validate.FieldErrors`, nothing stored) then apply."""
        today = self.clock.now().date()

        def decision(item: Item) -> tuple[Item, dict[str, Any]]:
            changes = clean_edit(form, self.taxonomy, today=today, current_deadline=item.deadline)
            return decide.apply_edit(item, changes, self.taxonomy.tags)

        return self._apply(item_id, actor, ItemAction.EDITED, decision)

    def tag(self, item_id: int, *, add: Iterable[str] = (), remove: Iterable[str] = (), actor: str) -> Item:
        """Add and remove tags; adding a suggested tag accepts it. Unknown tags refused (removal of any is fine)."""
        to_add = clean_tags(add, self.taxonomy)
        to_remove = [t.strip() for t in remove if t.strip()]
        return self._apply(item_id, actor, ItemAction.TAGGED, lambda i: decide.change_tags(i, to_add, to_remove))

    def accept_suggestion(self, item_id: int, tag: str, *, actor: str) -> Item:
        return self.tag(item_id, add=[tag], actor=actor)

    def refuse_suggestion(self, item_id: int, tag: str, *, actor: str) -> Item:
        return self._apply(item_id, actor, ItemAction.TAGGED, lambda i: decide.refuse_suggestion(i, tag))

    def feature(self, item_id: int, featured: bool, *, actor: str) -> Item:
        return self._apply(item_id, actor, ItemAction.EDITED, lambda i: decide.apply_edit(i, {"featured": featured}))

    def note(self, item_id: int, text: str, *, actor: str) -> Item:
        note = clean_text(text, MAX_NOTE, label="la note")
        return self._apply(item_id, actor, ItemAction.EDITED, lambda i: decide.apply_edit(i, {"editor_note": note}))

    def accept_pending(self, item_id: int, *, actor: str) -> Item:
        return self._apply(item_id, actor, ItemAction.EDITED, decide.accept_pending)

    def dismiss_pending(self, item_id: int, *, actor: str) -> Item:
        return self._apply(item_id, actor, ItemAction.EDITED, decide.dismiss_pending)


def _french(exc: Exception) -> str:
    if isinstance(exc, NotFound):
        return "élément introuvable"
    if isinstance(exc, InvalidTransition):
        return f"changement d'état impossible ({exc})"
    return str(exc)


__all__ = ["BatchResult", "Curator", "InvalidInput"]
