"""Alerts: each subscriber, at the rhythm they chose, gets the items approved since their previous alert that
match their preferences. One alert edition (an issue of kind ``alert``) a day holds every subscriber due that day.

decide   who is due today (daily; weekly on their day, in the network's time zone), and for each the items
         approved after their previous alert (the ledger says when; at most one period back) that they want
         (kinds, themes, zones, départements, and the alert kinds if they narrowed them), grouped by kind with the
         closing dates first; nothing for them, no message. Subscribers with the same content and the same rhythm
         share a segment, rendered once (pure: :func:`edition_entries`, :func:`alert_segments`)
build    the day's edition, once: an ``alert`` issue, scheduled at once (no person approves an alert); the
         send loop freezes its ledger and sends it, exactly once and resumably, like any issue
segment  the digest's segments of an ``alert`` issue (:meth:`Alerts.segments_of`, through
         :class:`digest.service.DigestService`, so the send loop, the admin's pages and the CLI see the same):
         deterministic, since the previous alerts it reads are older editions
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_date

from core.clock import Clock
from core.model import (
    AlertRhythm,
    Issue,
    IssueEntry,
    IssueKind,
    IssueStatus,
    Item,
    ItemKind,
    Preferences,
    Stream,
    Subscriber,
    SubscriberStatus,
)
from core.settings import NetworkSettings
from digest import sections as S
from digest.assemble import is_current
from digest.segments import KEY_LENGTH, Segment, Taxonomy, wants
from storage.alerts import AlertRepository
from storage.database import Database
from storage.issues import IssueRepository
from storage.subscribers import SubscriberRepository

log = logging.getLogger("relais.digest")
BY = "relais (alertes)"
TEMPLATE = "alert"
# Items in one alert, so that it stays well under Gmail's 102 KB clip (beyond it Gmail hides the rest of the
# message, the unsubscribe link with it): an item is 0.6 KB of HTML in the tests (20: 24 KB with the layout), one
# with a long summary, places and tags 1-1.5 KB. The others are counted and the site's address given.
MAX_ITEMS = 50
PERIOD = {AlertRhythm.DAILY: timedelta(days=1), AlertRhythm.WEEKLY: timedelta(days=7)}
# Grouped by kind: calls and funding (closing dates first), events, trainings, jobs, members' news.
SECTION_OF = {
    ItemKind.FUNDING: S.FUNDING,
    ItemKind.CALL: S.FUNDING,
    ItemKind.EVENT: S.EVENTS,
    ItemKind.TRAINING: S.TRAININGS,
    ItemKind.JOB: S.JOBS,
    ItemKind.NEWS: S.NEWS,
}
_ORDER = {s: n for n, s in enumerate(S.ORDER)}
_FAR = date.max


@dataclass(slots=True)
class AlertSegment(Segment):
    rhythm: AlertRhythm = AlertRhythm.WEEKLY
    more: int = 0  # matching news beyond MAX_ITEMS: counted in the subject, pointed to on the site


def rhythm_of(prefs: Preferences, status: SubscriberStatus = SubscriberStatus.CONFIRMED) -> AlertRhythm:
    """The rhythm in force: never for a subscriber who is not confirmed or dropped the alert stream."""
    return prefs.alert_rhythm if status == SubscriberStatus.CONFIRMED else AlertRhythm.NEVER


def is_due(prefs: Preferences, day: date) -> bool:
    """Daily alerts every day; weekly ones on the subscriber's day of the week."""
    rhythm = prefs.alert_rhythm
    return rhythm == AlertRhythm.DAILY or (rhythm == AlertRhythm.WEEKLY and day.weekday() == prefs.alert_day)


def wants_alert(prefs: Preferences, item: Item, tax: Taxonomy) -> bool:
    """The segments' own rule, narrowed to the alert kinds when the subscriber chose some."""
    return (not prefs.alert_kinds or item.kind in prefs.alert_kinds) and wants(prefs, item, tax)


def _sort_key(item: Item) -> tuple[object, ...]:
    """Closing dates first (soonest first), then events by their start, then the newest approvals."""
    start = item.starts_at.date() if item.starts_at else _FAR
    approved = -item.approved_at.timestamp() if item.approved_at else 0.0
    return (item.deadline or _FAR, start, approved, item.id or 0)


def edition_entries(items: Iterable[Item], today: date) -> list[IssueEntry]:
    """The current items of an edition, grouped by kind, closing dates first within each group."""
    chosen = [i for i in items if i.id is not None and is_current(i, today)]
    chosen.sort(key=lambda i: (_ORDER[SECTION_OF[i.kind]], *_sort_key(i)))
    return [IssueEntry(item_id=i.id or 0, section=SECTION_OF[i.kind], position=n) for n, i in enumerate(chosen)]


def alert_key(issue_id: int, rhythm: AlertRhythm, item_ids: Sequence[int], more: int = 0) -> str:
    """The same content at the same rhythm (and as many more on the site): the same segment."""
    payload = f"{issue_id}:{rhythm}:" + ",".join(map(str, item_ids)) + (f"+{more}" if more else "")
    return hashlib.sha256(payload.encode("ascii")).hexdigest()[:KEY_LENGTH]


def floor(cutoff: datetime, rhythm: AlertRhythm, tz: tzinfo) -> datetime:
    """One period before ``cutoff`` by the network's clock: last Monday at 07:00 is 07:00 across a change of time."""
    return cutoff.astimezone(tz) - PERIOD.get(rhythm, timedelta(days=7))


def since(prefs: Preferences, cutoff: datetime, previous: datetime | None, tz: tzinfo = UTC) -> datetime:
    """After the subscriber's previous alert, and at most one period back (a first alert, or alerts taken up
    again, do not bring back the whole archive)."""
    start = floor(cutoff, prefs.alert_rhythm, tz)
    return max(previous, start) if previous is not None else start


def alert_segments(
    issue: Issue,
    items: Mapping[int, Item],
    subscribers: Iterable[Subscriber],
    previous: Mapping[int, datetime],
    tax: Taxonomy,
    day: date,
    tz: tzinfo = UTC,
) -> list[AlertSegment]:
    """Group the subscribers due on ``day`` (in the network's time zone ``tz``) by (rhythm, content); nobody with
    nothing new is in a segment. ``previous``: when each subscriber's previous alert edition was built. Pure."""
    if issue.id is None or issue.created_at is None:
        raise ValueError("alert segments need a saved edition")
    cutoff = issue.created_at
    entries = [e for e in sorted(issue.entries, key=lambda e: e.position) if e.item_id in items]
    found: dict[tuple[AlertRhythm, tuple[int, ...], int], AlertSegment] = {}
    decided: dict[tuple[object, ...], tuple[int, ...]] = {}  # many subscribers share preferences and a start
    for sub in subscribers:
        if sub.id is None or sub.status != SubscriberStatus.CONFIRMED:
            continue
        p = sub.preferences
        if Stream.ALERT not in p.streams or not is_due(p, day):
            continue
        start = since(p, cutoff, previous.get(sub.id), tz)
        sig = (tuple(p.kinds), tuple(p.themes), tuple(p.zones), tuple(p.territories), tuple(p.alert_kinds), start)
        content = decided.get(sig)
        if content is None:
            content = decided[sig] = tuple(
                e.item_id for e in entries
                if (approved := items[e.item_id].approved_at) is not None and start < approved <= cutoff
                and wants_alert(p, items[e.item_id], tax)
            )  # fmt: skip
        if not content:
            continue
        rhythm = p.alert_rhythm
        shown, more = content[:MAX_ITEMS], max(0, len(content) - MAX_ITEMS)
        seg = found.get((rhythm, shown, more))
        if seg is None:
            key = alert_key(issue.id, rhythm, shown, more)
            seg = found[(rhythm, shown, more)] = AlertSegment(key, shown, rhythm=rhythm, more=more)
        seg.subscriber_ids.append(sub.id)
    return sorted(found.values(), key=lambda s: (-len(s.subscriber_ids), s.key))


def subject(rhythm: AlertRhythm, count: int) -> str:
    when = "du jour" if rhythm == AlertRhythm.DAILY else "de la semaine"
    news = "nouveauté" if count == 1 else "nouveautés"
    return f"Vos alertes {when} : {count} {news}"


def as_rendered(
    issue: Issue, rhythm: AlertRhythm, count: int, network_name: str, *, more: int = 0, site: str = ""
) -> Issue:
    """The edition as one segment reads it: its subject and title say the rhythm and the count (``count`` shown,
    ``more`` left for the site, whose address ``site`` the introduction gives)."""
    title = "Vos alertes du jour" if rhythm == AlertRhythm.DAILY else "Vos alertes de la semaine"
    intro = (
        "Les informations publiées par " + network_name + " depuis votre dernière alerte, selon vos choix. "
        "Les dates limites les plus proches d'abord."
    )
    if more:
        others = "autre vous attend" if more == 1 else "autres vous attendent"
        intro += f" Voici les {count} premières ; {more} {others} sur le site du réseau : {site}"
    return replace(issue, title=title, subject=subject(rhythm, count + more), editorial=intro)


class _Digest(Protocol):
    """What the alerts read of :class:`digest.service.DigestService`: the network's settings and the taxonomy."""

    @property
    def network(self) -> NetworkSettings: ...

    @property
    def tax(self) -> Taxonomy: ...


@dataclass
class Alerts:
    db: Database
    clock: Clock
    digest: _Digest

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.digest.network.timezone)

    def build(self) -> Issue | None:
        """today's edition exists? | confirmed subscribers due today | items approved within the longest period |
        segments | save the edition, scheduled now. None when nobody due has anything new (no empty email)."""
        now = self.clock.now()
        day = now.astimezone(self.tz).date()
        with self.db.session() as s:
            existing = AlertRepository(s).edition_of(day.isoformat())
            if existing is not None:  # built already (the send loop sends or resumes it)
                return IssueRepository(s).get(existing)
            subscribers = SubscriberRepository(s).audience()
            due = [sub for sub in subscribers if is_due(sub.preferences, day)]
            if not due:
                return None
            oldest = min(floor(now, sub.preferences.alert_rhythm, self.tz) for sub in due)
            items = IssueRepository(s).approved_items(approved_after=oldest)
            previous = AlertRepository(s).last_received()
        entries = edition_entries(items, day)
        if not entries:
            return None
        label = format_date(day, "EEEE d MMMM y", locale=self.digest.network.locale)
        issue = Issue(
            kind=IssueKind.ALERT, title=f"Alertes du {label}", subject=f"Alertes du {label}", template=TEMPLATE,
            audience={"day": day.isoformat()}, entries=entries, created_at=now, created_by=BY,
            status=IssueStatus.SCHEDULED, scheduled_at=now, id=0,
        )  # fmt: skip
        by_id = {i.id: i for i in items if i.id is not None}
        if not alert_segments(issue, by_id, due, previous, self.digest.tax, day, self.tz):
            return None
        issue.id = None
        with self.db.session() as s:
            if AlertRepository(s).edition_of(day.isoformat()) is not None:
                return None  # built meanwhile
            saved = IssueRepository(s).save(issue)
        log.info("digest.alerts_built", extra={"issue": saved.id, "items": len(entries), "due": len(due)})
        return saved

    def segments_of(
        self, issue: Issue, items: Mapping[int, Item], subscribers: Iterable[Subscriber]
    ) -> list[AlertSegment]:
        """The edition's segments: what the digest's segments and renderings of an ``alert`` issue are (the send
        loop's segmenter among them). The same on a resumed send: the previous alerts it reads are older editions."""
        if issue.id is None:
            raise ValueError("alert segments need a saved edition")
        with self.db.session() as s:
            previous = AlertRepository(s).last_received(issue.id)
        day = date.fromisoformat(str(issue.audience.get("day")))
        return alert_segments(issue, items, subscribers, previous, self.digest.tax, day, self.tz)
