"""Deciding what goes into an issue: pure functions over items, no database, no clock.

A newsletter takes the items approved since the previous newsletter was created (by approval date, never the
feed's publication date), drops those whose deadline has passed, and files them into sections. A thematic
emailing takes the items tagged with a theme, or a hand-picked list, or only a free text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from core.errors import InvalidInput
from core.model import IssueEntry, Item, ItemKind, ItemStatus
from digest import sections as S

CLOSING_SOON_DAYS = 14  # a funding or call closing within two weeks goes to "Clôture prochaine"
_FAR = date.max


def is_current(item: Item, today: date) -> bool:
    """Approved, not past its deadline (an item closing today is still current), and not an event or training that
    is already over (one ending today is still current)."""
    if item.status != ItemStatus.APPROVED:
        return False
    if item.deadline is not None and item.deadline < today:
        return False
    last_day = item.ends_at or item.starts_at
    return last_day is None or last_day.date() >= today


def approved_since(items: Iterable[Item], since: datetime | None) -> list[Item]:
    """Items approved strictly after ``since`` (all approved items when there is no previous issue)."""
    return [
        i
        for i in items
        if i.status == ItemStatus.APPROVED and i.approved_at is not None and (since is None or i.approved_at > since)
    ]


def section_of(item: Item, today: date) -> str:
    if item.featured:
        return S.FEATURED
    if item.kind in (ItemKind.FUNDING, ItemKind.CALL):
        if item.deadline is not None and item.deadline <= today + timedelta(days=CLOSING_SOON_DAYS):
            return S.CLOSING
        return S.FUNDING
    return {
        ItemKind.EVENT: S.EVENTS,
        ItemKind.TRAINING: S.TRAININGS,
        ItemKind.JOB: S.JOBS,
        ItemKind.NEWS: S.NEWS,
    }[item.kind]


def _sort_key(section: str, item: Item) -> tuple[object, ...]:
    """Funding and calls by deadline; events by date; the rest by approval, newest first."""
    ident = item.id or 0
    if section in (S.FUNDING, S.CLOSING):
        return (item.deadline or _FAR, ident)
    if section == S.EVENTS:
        start = item.starts_at.date() if item.starts_at else (item.deadline or _FAR)
        return (start, ident)
    approved = item.approved_at.timestamp() if item.approved_at else 0.0
    return (-approved, ident)


def newsletter_entries(items: Iterable[Item], today: date) -> list[IssueEntry]:
    """File current items into sections, sorted within each, positions numbered across the issue."""
    by_section: dict[str, list[Item]] = {}
    for item in items:
        if item.id is None or not is_current(item, today):
            continue
        by_section.setdefault(section_of(item, today), []).append(item)
    entries: list[IssueEntry] = []
    for section in S.ORDER:
        for item in sorted(by_section.get(section, []), key=lambda i, s=section: _sort_key(s, i)):  # type: ignore[misc]
            entries.append(IssueEntry(item_id=item.id or 0, section=section, position=len(entries)))
    return entries


def theme_items(items: Iterable[Item], theme: str, today: date) -> list[Item]:
    """Current items tagged ``theme``, closing soonest first."""
    chosen = [i for i in items if theme in i.tags and is_current(i, today)]
    return sorted(chosen, key=lambda i: (i.deadline or _FAR, i.starts_at.date() if i.starts_at else _FAR, i.id or 0))


def picked_items(items_by_id: dict[int, Item], ids: Sequence[int], today: date) -> list[Item]:
    """The hand-picked items in the editor's order; unknown, unapproved or expired ones are refused by id."""
    if len(set(ids)) != len(ids):
        raise InvalidInput("the same item is listed twice", code="item_twice")
    missing = [i for i in ids if i not in items_by_id]
    if missing:
        raise InvalidInput(
            f"unknown item(s): {', '.join(map(str, missing))}", code="unknown_items", items=", ".join(map(str, missing))
        )
    stale = [i for i in ids if not is_current(items_by_id[i], today)]
    if stale:
        raise InvalidInput(
            f"item(s) not approved or past their deadline: {', '.join(map(str, stale))}",
            code="items_not_current",
            items=", ".join(map(str, stale)),
        )
    return [items_by_id[i] for i in ids]


def selection_entries(items: Sequence[Item]) -> list[IssueEntry]:
    return [IssueEntry(item_id=i.id or 0, section=S.SELECTION, position=n) for n, i in enumerate(items)]
