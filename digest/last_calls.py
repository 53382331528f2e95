"""Last calls: a « Dernier rappel » emailing for the calls and funding about to close that subscribers want.

decide  approved call and funding items closing within ``[digest] last_call_days`` (today included), never in a
        last-call emailing before, that at least ``last_call_min_subscribers`` confirmed subscribers want (the
        emailing stream, and their kinds, themes, zones and départements: the segments' own rule), closing soonest
        first (pure: :func:`due`)
draft   a thematic emailing of these items (each subscriber then gets only those they want, like any emailing),
        the items recorded as recalled, staff told on the dashboard
auto    only with ``last_call_auto = true``: the draft is approved at once and the send loop sends it; otherwise
        nothing leaves before a person approves it
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from core.clock import Clock
from core.errors import InvalidInput
from core.model import Issue, IssueStatus, Item, ItemKind, ItemStatus, Preferences, Stream
from core.settings import DigestSettings
from digest.segments import Taxonomy, wants
from digest.service import DigestService
from digest.view import shorten
from storage.database import Database
from storage.issues import IssueRepository
from storage.proposals import LastCallRepository
from storage.subscribers import SubscriberRepository

log = logging.getLogger("relais.digest")
KINDS = frozenset({ItemKind.CALL, ItemKind.FUNDING})
PREFIX = "Dernier rappel"
BY = "relais (derniers rappels)"


@dataclass(frozen=True, slots=True)
class LastCall:
    item: Item
    interested: int  # confirmed subscribers of the emailings who want it


def _signature(p: Preferences) -> tuple[object, ...]:
    return (tuple(p.kinds), tuple(p.themes), tuple(p.zones), tuple(p.territories), tuple(p.streams))


def due(
    items: Iterable[Item],
    preferences: Iterable[Preferences],
    tax: Taxonomy,
    *,
    today: date,
    days: int,
    min_subscribers: int,
    recalled: set[int],
) -> list[LastCall]:
    """The items a last-call emailing should hold now, closing soonest first. Pure."""
    horizon = today + timedelta(days=days)
    closing = [
        i for i in items
        if i.status == ItemStatus.APPROVED and i.kind in KINDS and i.id is not None and i.id not in recalled
        and i.deadline is not None and today <= i.deadline <= horizon
    ]  # fmt: skip
    if not closing:
        return []
    # Many subscribers share their preferences: decide once per distinct set.
    kinds: Counter[tuple[object, ...]] = Counter()
    sample: dict[tuple[object, ...], Preferences] = {}
    for p in preferences:
        if Stream.EMAILING in p.streams:
            sig = _signature(p)
            kinds[sig] += 1
            sample.setdefault(sig, p)
    out = []
    for item in closing:
        n = sum(count for sig, count in kinds.items() if wants(sample[sig], item, tax))
        if n >= min_subscribers:
            out.append(LastCall(item, n))
    return sorted(out, key=lambda c: (c.item.deadline, c.item.id))


def subject(calls: Sequence[LastCall], locale: str = "fr") -> str:
    if len(calls) == 1:
        item = calls[0].item
        assert item.deadline is not None
        day = format_date(item.deadline, "d MMMM", locale=locale)
        return shorten(f"{PREFIX} : « {item.title} » clôture le {day}", 200)
    return f"{PREFIX} : {len(calls)} appels et financements clôturent bientôt"


def editorial(days: int) -> str:
    return (
        f"Ces appels et financements clôturent dans les {days} prochains jours. "
        "Si vous comptiez y répondre, c'est le moment : vérifiez les conditions et la date limite sur chaque page."
    )


@dataclass
class LastCalls:
    db: Database
    clock: Clock
    digest: DigestService
    settings: DigestSettings

    def draft(self) -> Issue | None:
        """approved items | confirmed subscribers | decide | build the emailing | record the items | approve if
        ``last_call_auto``. None when nothing is due."""
        today = self.clock.now().astimezone(ZoneInfo(self.digest.network.timezone)).date()
        with self.db.session() as s:
            items = IssueRepository(s).approved_items()
            prefs = [sub.preferences for sub in SubscriberRepository(s).audience()]
            recalled = LastCallRepository(s).recalled()
        calls = due(
            items, prefs, self.digest.tax, today=today, days=self.settings.last_call_days,
            min_subscribers=self.settings.last_call_min_subscribers, recalled=recalled,
        )  # fmt: skip
        if not calls:
            return None
        issue = self.digest.build_emailing(
            item_ids=[c.item.id for c in calls if c.item.id is not None],
            text=editorial(self.settings.last_call_days),
            subject=subject(calls, self.digest.network.locale),
            by=BY,
        )
        assert issue.id is not None
        with self.db.session() as s:
            LastCallRepository(s).record(
                [c.item.id for c in calls if c.item.id is not None], issue.id, self.clock.now()
            )
        log.info("digest.last_call_drafted", extra={"issue": issue.id, "items": len(calls)})
        if self.settings.last_call_auto:
            try:
                issue = self.digest.approve(issue.id, by=BY)
            except InvalidInput as exc:  # left as a draft for a person to look at
                log.warning("digest.last_call_not_approved", extra={"issue": issue.id, "reason": str(exc)})
        return issue

    def drafts(self) -> list[Issue]:
        """Last-call emailings still waiting for staff: what the dashboard shows."""
        with self.db.session() as s:
            ids = LastCallRepository(s).issue_ids()
            issues = IssueRepository(s)
            return [i for i in issues.find(status=IssueStatus.DRAFT) if i.id in ids]
