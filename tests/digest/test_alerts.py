"""Alerts: who is due, what each gets (pure), and the day's edition through the real send loop on each engine —
exactly the new matching items, nothing when nothing matches, nobody twice or forgotten after a crash."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.clock import FrozenClock
from core.model import (
    AlertRhythm,
    DeliveryStatus,
    Issue,
    IssueKind,
    IssueStatus,
    Item,
    ItemKind,
    ItemSource,
    ItemStatus,
    Preferences,
    Source,
    SourceKind,
    Stream,
    Subscriber,
    SubscriberStatus,
)
from delivery.mailers.base import SendResult, Verdict
from delivery.mailers.memory import MemoryMailer
from delivery.seams import Segmentation
from delivery.send import SendOutcome, send_issue
from digest import sections as S
from digest.alerts import MAX_ITEMS, Alerts, alert_segments, edition_entries, is_due, since
from digest.segments import Taxonomy
from digest.service import DigestService
from figures.compute import compute_key_figures
from figures.period import year
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.items import ItemRepository
from storage.sources import SourceRepository
from storage.subscribers import SubscriberRepository
from tests.delivery.fakes import context
from tests.digest.digest_factory import item, network, taxonomy

TAX = Taxonomy.from_settings(taxonomy())
MONDAY = date(2026, 11, 2)
CUTOFF = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)  # 07:00 in Paris
WEEKLY = Preferences(streams=[Stream.NEWSLETTER, Stream.ALERT], alerts=AlertRhythm.WEEKLY, alert_day=0)
DAILY = Preferences(streams=[Stream.ALERT], alerts=AlertRhythm.DAILY)


def _sub(n: int, prefs: Preferences, status: SubscriberStatus = SubscriberStatus.CONFIRMED) -> Subscriber:
    return Subscriber(email=f"abonne{n}@exemple.fr", status=status, preferences=prefs, id=n)


def _edition(items: list[Item]) -> Issue:
    return Issue(IssueKind.ALERT, "Alertes", "Alertes", entries=edition_entries(items, MONDAY), created_at=CUTOFF, id=9)


def _ago(hours: float) -> datetime:
    return CUTOFF - timedelta(hours=hours)


def test_due_daily_every_day_weekly_on_its_day_never_without_the_alert_stream() -> None:
    assert is_due(DAILY, MONDAY) and is_due(DAILY, MONDAY + timedelta(days=3))
    assert is_due(WEEKLY, MONDAY) and not is_due(WEEKLY, MONDAY + timedelta(days=1))
    thursday = Preferences(streams=[Stream.ALERT], alerts=AlertRhythm.WEEKLY, alert_day=3)
    assert is_due(thursday, MONDAY + timedelta(days=3)) and not is_due(thursday, MONDAY)
    dropped = Preferences(streams=[Stream.NEWSLETTER], alerts=AlertRhythm.DAILY)  # one-click unsubscribed
    assert not is_due(dropped, MONDAY)
    assert not is_due(Preferences(), MONDAY)


def test_an_edition_is_grouped_by_kind_closing_dates_first() -> None:
    items = [
        item(1, ItemKind.NEWS),
        item(2, ItemKind.CALL, deadline=MONDAY + timedelta(days=30)),
        item(3, ItemKind.FUNDING, deadline=MONDAY + timedelta(days=5)),
        item(4, ItemKind.JOB, deadline=MONDAY + timedelta(days=2)),
        item(5, ItemKind.CALL),  # no closing date: after those that have one
        item(6, ItemKind.CALL, deadline=MONDAY - timedelta(days=1)),  # closed: out
        item(7, ItemKind.JOB, deadline=MONDAY + timedelta(days=1)),
    ]
    entries = edition_entries(items, MONDAY)
    assert [(e.item_id, e.section) for e in entries] == [
        (3, S.FUNDING), (2, S.FUNDING), (5, S.FUNDING), (7, S.JOBS), (4, S.JOBS), (1, S.NEWS),
    ]  # fmt: skip


def test_each_gets_what_is_new_since_their_previous_alert_and_matches_nothing_else() -> None:
    items = [
        item(1, ItemKind.CALL, tags=["eau"], approved_at=_ago(2)),
        item(2, ItemKind.NEWS, tags=["sante"], approved_at=_ago(30)),
        item(3, ItemKind.EVENT, approved_at=_ago(24 * 8)),  # older than a week: nobody's any more
        item(4, ItemKind.FUNDING, approved_at=_ago(24 * 3)),
    ]
    subs = [
        _sub(1, WEEKLY),  # a first alert: the past week
        _sub(2, DAILY),  # the past day
        _sub(3, Preferences(streams=[Stream.ALERT], alerts=AlertRhythm.WEEKLY, themes=["eau"])),
        _sub(4, Preferences(streams=[Stream.ALERT], alerts=AlertRhythm.WEEKLY, alert_kinds=[ItemKind.NEWS])),
        _sub(5, WEEKLY),  # got an alert 10 hours ago: only what came after it
        _sub(6, Preferences(streams=[Stream.ALERT], alerts=AlertRhythm.WEEKLY, alert_day=2)),  # Wednesday
        _sub(7, WEEKLY, SubscriberStatus.UNSUBSCRIBED),
        _sub(8, Preferences(streams=[Stream.ALERT], alerts=AlertRhythm.WEEKLY, alert_kinds=[ItemKind.JOB])),
        _sub(9, WEEKLY),
    ]
    by_id = {i.id or 0: i for i in items}
    segs = alert_segments(_edition(items), by_id, subs, {5: _ago(10)}, TAX, MONDAY)
    got = {sid: (seg.rhythm, seg.item_ids) for seg in segs for sid in seg.subscriber_ids}
    assert got == {
        1: (AlertRhythm.WEEKLY, (1, 4, 2)),  # grouped by kind (funding and calls, then news), newest first
        9: (AlertRhythm.WEEKLY, (1, 4, 2)),
        2: (AlertRhythm.DAILY, (1,)),
        3: (AlertRhythm.WEEKLY, (1, 4)),  # untagged funding is for every theme; the santé news is not hers
        4: (AlertRhythm.WEEKLY, (2,)),
        5: (AlertRhythm.WEEKLY, (1,)),
    }
    # the same content at the same rhythm: one rendering
    assert sorted(len(s.subscriber_ids) for s in segs) == [1, 1, 1, 1, 2]


def test_a_week_back_is_last_monday_at_seven_across_the_change_of_time() -> None:
    paris = ZoneInfo("Europe/Paris")
    monday = datetime(2026, 3, 30, 7, 0, tzinfo=paris)  # summer time began on Sunday the 29th
    assert since(WEEKLY, monday, None, paris) == datetime(2026, 3, 23, 7, 0, tzinfo=paris)
    assert since(WEEKLY, monday, None, paris) - monday.astimezone(UTC) == -timedelta(days=7, hours=-1)
    yesterday = datetime(2026, 3, 29, 7, 0, tzinfo=paris)
    assert since(DAILY, monday, yesterday - timedelta(days=3), paris) == yesterday  # never more than a period back
    assert since(DAILY, monday, monday - timedelta(hours=2), paris) == monday - timedelta(hours=2)


def test_the_same_items_at_another_rhythm_are_another_rendering() -> None:
    items = [item(1, ItemKind.CALL, approved_at=_ago(2))]
    segs = alert_segments(_edition(items), {1: items[0]}, [_sub(1, WEEKLY), _sub(2, DAILY)], {}, TAX, MONDAY)
    assert len(segs) == 2 and len({s.key for s in segs}) == 2


def test_a_long_alert_shows_the_first_items_and_counts_the_others() -> None:
    many = [item(n, ItemKind.CALL, approved_at=_ago(2)) for n in range(1, MAX_ITEMS + 8)]
    by_id = {i.id or 0: i for i in many}
    few = many[:MAX_ITEMS]
    (long,) = alert_segments(_edition(many), by_id, [_sub(1, WEEKLY)], {}, TAX, MONDAY)
    (short,) = alert_segments(_edition(few), {i.id or 0: i for i in few}, [_sub(2, WEEKLY)], {}, TAX, MONDAY)
    assert len(long.item_ids) == MAX_ITEMS and long.more == 7 and long.item_ids == short.item_ids
    assert short.more == 0 and long.key != short.key  # the same first items, another message


# -- the day's edition on each engine, through the real send loop ------------------------------------------------


def _approve(db: Database, title: str, at: datetime, kind: ItemKind = ItemKind.CALL, **kw: object) -> int:
    with db.session() as s:
        repo = SourceRepository(s)
        src = (
            repo.find()[0]
            if repo.find()
            else repo.save(Source("AMP", "https://amp.example/rss", SourceKind.FEED, ItemKind.CALL))
        )
        it = Item(kind=kind, title=title, status=ItemStatus.APPROVED, approved_at=at, collected_at=at,
                  url=f"https://amp.example/{title}", **kw)  # type: ignore[arg-type]  # fmt: skip
        it.sources = [ItemSource(source_id=src.id or 0, source_item_id=title)]
        return ItemRepository(s).add(it).id or 0


def _subscribe(db: Database, n: int, prefs: Preferences) -> int:
    with db.session() as s:
        sub = SubscriberRepository(s).save(
            Subscriber(email=f"abonne{n}@asso{n}.fr", status=SubscriberStatus.CONFIRMED, preferences=prefs)
        )
    return sub.id or 0


class _Segmenter:
    """The wiring's segmenter: the digest's segments, rendered once each."""

    def __init__(self, alerts: Alerts) -> None:
        self.alerts = alerts

    def __call__(self, issue_id: int, subscribers: object) -> Segmentation:
        pairs = self.alerts.digest.render_segments(issue_id, subscribers)  # type: ignore[arg-type]
        owner = {sid: seg.key for seg, _ in pairs for sid in seg.subscriber_ids}
        return Segmentation({seg.key: r for seg, r in pairs}, lambda sub: owner.get(sub.id or 0))


@pytest.fixture
def alerts(db: Database, clock: FrozenClock) -> Alerts:
    clock.set(datetime(2026, 11, 2, 6, 0, tzinfo=UTC))  # Monday 07:00 in Paris
    return DigestService(db=db, clock=clock, network=network(), taxonomy=taxonomy()).alerts


def _bodies(mailer: MemoryMailer) -> dict[str, str]:
    out = {}
    for m in mailer.sent:
        msg = email.message_from_bytes(m.message, policy=email.policy.default)
        out[m.recipient] = msg["Subject"] + "\n" + msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return out


def test_monday_alerts_exactly_the_new_matching_items_then_nothing_on_an_empty_week(
    db: Database, clock: FrozenClock, alerts: Alerts
) -> None:
    eau = _approve(db, "Appel-eau", clock.now() - timedelta(days=2), tags=["eau"])
    _approve(db, "Nouvelle-sante", clock.now() - timedelta(days=1), ItemKind.NEWS, tags=["sante"])
    _approve(db, "Ancien", clock.now() - timedelta(days=9))
    weekly = _subscribe(db, 1, Preferences(streams=[Stream.ALERT], alerts=AlertRhythm.WEEKLY, themes=["eau"]))
    _subscribe(db, 2, Preferences())  # no alerts
    _subscribe(db, 3, Preferences(streams=[Stream.ALERT], alerts=AlertRhythm.WEEKLY, alert_day=3))  # Thursday

    issue = alerts.build()
    assert issue is not None and issue.kind is IssueKind.ALERT and issue.status is IssueStatus.SCHEDULED
    assert alerts.build() == issue  # one edition a day
    mailer = MemoryMailer()
    ctx = context(db, mailer, clock, segmenter=_Segmenter(alerts))
    assert send_issue(ctx, issue.id or 0).outcome is SendOutcome.SENT
    got = _bodies(mailer)
    assert list(got) == ["abonne1@asso1.fr"]
    assert "Appel-eau" in got["abonne1@asso1.fr"] and "Nouvelle-sante" not in got["abonne1@asso1.fr"]
    assert got["abonne1@asso1.fr"].startswith("Vos alertes de la semaine : 1 nouveauté")
    assert "/d/" + str(weekly) + "/alert" in str(
        email.message_from_bytes(mailer.sent[0].message, policy=email.policy.default)["List-Unsubscribe"]
    )  # the alert stream's own one-click unsubscribe

    clock.set(clock.now() + timedelta(days=7))  # a week with nothing new for her
    _approve(db, "Nouvelle-sante-2", clock.now() - timedelta(days=1), ItemKind.NEWS, tags=["sante"])
    assert alerts.build() is None  # no empty email

    clock.set(clock.now() + timedelta(days=7))
    second = _approve(db, "Appel-eau-2", clock.now() - timedelta(hours=3), tags=["eau"])
    issue = alerts.build()
    assert issue is not None
    mailer = MemoryMailer()
    send_issue(context(db, mailer, clock, segmenter=_Segmenter(alerts)), issue.id or 0)
    got = _bodies(mailer)
    assert list(got) == ["abonne1@asso1.fr"] and "Appel-eau-2" in got["abonne1@asso1.fr"]
    assert "Appel-eau\n" not in got["abonne1@asso1.fr"].replace("Appel-eau-2", "")
    assert eau != second

    # the same figures: two alert editions sent, their two messages in the ledger's counts
    sends = compute_key_figures(db, year(2026), taxonomy()).sends
    assert (sends.alerts, sends.newsletters, sends.messages_accepted, sends.distinct_recipients) == (2, 0, 2, 1)


def test_a_long_alert_stays_under_gmail_s_clip_and_sends_to_the_site_for_the_rest(
    db: Database, clock: FrozenClock, alerts: Alerts
) -> None:
    for n in range(MAX_ITEMS + 15):
        _approve(db, f"Appel-{n:02d}", clock.now() - timedelta(hours=5), summary="Un appel à projets. " * 40)
    _subscribe(db, 1, Preferences(streams=[Stream.ALERT], alerts=AlertRhythm.DAILY))
    issue = alerts.build()
    assert issue is not None
    mailer = MemoryMailer()
    send_issue(context(db, mailer, clock, segmenter=_Segmenter(alerts)), issue.id or 0)
    (sent,) = mailer.sent
    msg = email.message_from_bytes(sent.message, policy=email.policy.default)
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert msg["Subject"] == f"Vos alertes du jour : {MAX_ITEMS + 15} nouveautés"
    assert len(html.encode("utf-8")) < 102 * 1024  # Gmail clips beyond: the unsubscribe link would be hidden
    assert sum(f"Appel-{n:02d}" in text for n in range(MAX_ITEMS + 15)) == MAX_ITEMS
    assert f"Voici les {MAX_ITEMS} premières ; 15 autres vous attendent sur le site du réseau" in " ".join(text.split())


class _Crash(BaseException):
    pass


def test_a_crash_in_the_middle_of_the_monday_alerts_sends_nobody_twice_and_forgets_nobody(
    db: Database, clock: FrozenClock, alerts: Alerts
) -> None:
    _approve(db, "Appel", clock.now() - timedelta(days=1))
    _approve(db, "Emploi", clock.now() - timedelta(days=1), ItemKind.JOB)
    for n in range(30):
        kinds = [ItemKind.JOB] if n % 3 == 0 else []
        _subscribe(db, n, Preferences(streams=[Stream.ALERT], alerts=AlertRhythm.WEEKLY, alert_kinds=kinds))
    issue = alerts.build()
    assert issue is not None and issue.id is not None
    calls = Counter[str]()

    def answer(recipient: str) -> SendResult:
        calls["n"] += 1
        if calls["n"] == 13:
            raise _Crash  # the process dies before this message leaves
        return SendResult(Verdict.ACCEPTED, 250, "2.0.0 Ok")

    mailer = MemoryMailer(answer=answer)
    with pytest.raises(_Crash):
        send_issue(context(db, mailer, clock, segmenter=_Segmenter(alerts)), issue.id)
    before = len(mailer.sent)
    assert 0 < before < 30
    mailer.answer = lambda _r: SendResult(Verdict.ACCEPTED, 250, "2.0.0 Ok")
    assert send_issue(context(db, mailer, clock, segmenter=_Segmenter(alerts)), issue.id).outcome is SendOutcome.SENT

    got = Counter(m.recipient for m in mailer.sent)
    assert set(got) == {f"abonne{n}@asso{n}.fr" for n in range(30)}  # forgotten: nobody
    with db.session() as s:
        ledger = DeliveryRepository(s).ledger(issue.id)
    assert len(ledger) == 30 and {e.delivery.status for e in ledger} == {DeliveryStatus.ACCEPTED}
    twice = {e for e, n in got.items() if n > 1}
    # the one message accepted but not yet recorded when it died may go again: flagged, with the same Message-ID
    assert len(twice) <= 1 and twice <= {e.delivery.email for e in ledger if e.requeued_after_crash}
    ids = {(m.recipient, email.message_from_bytes(m.message)["Message-ID"]) for m in mailer.sent}
    assert len(ids) == 30
    # the resumed send rendered the same contents: job-only subscribers got the job alone
    bodies = _bodies(mailer)
    assert "Appel" not in bodies["abonne0@asso0.fr"] and "Emploi" in bodies["abonne0@asso0.fr"]
    assert "Appel" in bodies["abonne1@asso1.fr"]
