"""Pure decisions on one item: a status change, an edit, a tag change. Each returns the changes to log."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from core.errors import InvalidInput
from core.model import Item, ItemAction, ItemStatus
from core.states import move

ACTION_OF = {
    ItemStatus.APPROVED: ItemAction.APPROVED,
    ItemStatus.REJECTED: ItemAction.REJECTED,
    ItemStatus.ARCHIVED: ItemAction.ARCHIVED,
    ItemStatus.NEW: ItemAction.RESTORED,
}


def _json(value: Any) -> Any:
    """A value as it is logged in item_events (JSON)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return str(value) if hasattr(value, "value") else value


def diff(before: Item, after: Item, fields: list[str]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields that changed."""
    return {
        f: [_json(getattr(before, f)), _json(getattr(after, f))]
        for f in fields
        if getattr(before, f) != getattr(after, f)
    }


def change_status(item: Item, target: ItemStatus, *, actor: str, now: datetime) -> tuple[Item, dict[str, Any]]:
    """The item in its new status (through :func:`core.states.move`), and what to log."""
    status = move(item.status, target)
    if status is item.status:
        return item, {}  # nothing to store or log (a double click, two editors on the same item)
    after = replace(item, status=status)
    logged: dict[str, Any] = {"status": [str(item.status), str(status)]}
    if status is ItemStatus.APPROVED and item.status is not ItemStatus.APPROVED:
        # Newsletters select by approval date: approving (again) dates it now.
        after.approved_at, after.approved_by = now, actor
        # The suggestions the editor has not declined become tags: subscribers' preferences select on tags.
        accepted = [s.tag for s in item.suggested_tags if s.tag not in item.tags]
        after.tags = [*item.tags, *dict.fromkeys(accepted)]
        after.suggested_tags = []
        if accepted:
            logged["accepted_suggestions"] = list(dict.fromkeys(accepted))
    elif status is not ItemStatus.APPROVED:
        after.approved_at, after.approved_by = None, None
    return after, logged


def apply_edit(
    item: Item, changes: dict[str, Any], editable_tags: frozenset[str] | None = None
) -> tuple[Item, dict[str, Any]]:
    """Validated changes applied; ``field_origins`` records the editor as the origin of each changed field.

    New ``tags`` replace those in ``editable_tags`` (what the editor's form shows) only: a tag the form does not
    show (a slug since removed from the taxonomy, a family the form has no control for) is kept."""
    if "tags" in changes and editable_tags is not None:
        kept = [t for t in item.tags if t not in editable_tags and t not in changes["tags"]]
        changes = {**changes, "tags": [*changes["tags"], *kept]}
    after = replace(item, **{"tags": list(item.tags), **changes, "field_origins": dict(item.field_origins)})
    logged = diff(item, after, list(changes))
    for name in logged:
        after.field_origins[name] = "editor"
    return after, logged


def change_tags(item: Item, add: list[str], remove: list[str]) -> tuple[Item, dict[str, Any]]:
    """Tags added and removed; a suggestion becomes a real tag (accepted) or disappears (refused)."""
    clash = set(add) & set(remove)
    if clash:
        raise InvalidInput(f"étiquette à la fois ajoutée et retirée : {', '.join(sorted(clash))}")
    tags = [t for t in item.tags if t not in remove] + [t for t in add if t not in item.tags]
    touched = set(add) | set(remove)
    suggested = [s for s in item.suggested_tags if s.tag not in touched]
    after = replace(item, tags=tags, suggested_tags=suggested)
    logged: dict[str, Any] = {}
    added = [t for t in tags if t not in item.tags]
    removed = [t for t in item.tags if t not in tags]
    if added:
        logged["added"] = added
    if removed:
        logged["removed"] = removed
    refused = [s.tag for s in item.suggested_tags if s.tag in remove and s.tag not in item.tags]
    if refused:
        logged["refused_suggestions"] = refused
    return after, logged


def refuse_suggestion(item: Item, tag: str) -> tuple[Item, dict[str, Any]]:
    if all(s.tag != tag for s in item.suggested_tags):
        raise InvalidInput(f"aucune suggestion « {tag} » sur cet élément")
    after = replace(item, suggested_tags=[s for s in item.suggested_tags if s.tag != tag])
    return after, {"refused_suggestions": [tag]}


def accept_pending(item: Item) -> tuple[Item, dict[str, Any]]:
    """Apply the source's pending update to an approved item (the editor reviewed it)."""
    if not item.pending_update:
        raise InvalidInput("aucune mise à jour en attente sur cet élément")
    known = {k: _from_json(k, v) for k, v in item.pending_update.items() if k in _UPDATABLE}
    after = replace(item, pending_update=None, **known)
    return after, {"pending_update": "accepted", **diff(item, after, list(known))}


_UPDATABLE = {
    "title", "url", "summary", "body_html", "published_at", "updated_at", "opening_date", "deadline", "starts_at",
    "ends_at", "place",
}  # fmt: skip
_DATES = {"opening_date", "deadline"}
_TIMES = {"published_at", "updated_at", "starts_at", "ends_at"}


def _from_json(name: str, value: Any) -> Any:
    """A pending value as stored in JSON (``{"old", "new"}`` pairs or plain values; ISO dates) back to its type."""
    if isinstance(value, dict) and "new" in value:
        value = value["new"]
    if isinstance(value, str) and name in _DATES:
        return date.fromisoformat(value[:10])
    if isinstance(value, str) and name in _TIMES:
        return datetime.fromisoformat(value)
    return value


def dismiss_pending(item: Item) -> tuple[Item, dict[str, Any]]:
    if not item.pending_update:
        raise InvalidInput("aucune mise à jour en attente sur cet élément")
    return replace(item, pending_update=None), {"pending_update": "dismissed"}
