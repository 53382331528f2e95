"""A month in the life of the network, March 2026, on a simulated clock: the sources publish day by day on a local
HTTP server, the scheduler's jobs collect them, an editor triages in the admin every working day, people subscribe,
change their minds and leave through the public pages, a member proposes an event that the editor publishes, the
daily job drafts « Dernier rappel » emailings that staff send, a thematic emailing goes out mid-month over real SMTP, a
late bounce for it arrives in the bounce mailbox (Dovecot, read over IMAP by its job), and the newsletter is built
by its cron job on 1 April and sent by the sending job. Then the key figures of the month
must be exactly what the test saw happen."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from admin.accounts import add_user
from core.clock import FrozenClock
from core.model import IssueKind, IssueStatus, ItemKind, ItemStatus, Role, Stream, SubscriberStatus
from core.settings import BounceMailboxSettings, Security
from figures.compute import compute_key_figures
from figures.issue_reports import issue_report
from figures.period import Period, PeriodKind
from relais.sending import send_due
from relais.web import build_app
from relais.wiring import Services, build_subscribers, digest_service, sync_sources
from storage import consistency
from storage.database import Database
from storage.issues import IssueRepository
from storage.items import ItemRepository
from storage.subscribers import SubscriberRepository
from tests.scenario.members import MEMBER, Member, Staff, triage_the_proposal
from tests.scenario.month import BASE, Editor, People, month_settings
from tests.scenario.simulation import Mailbox, Scheduler, smtp_server
from tests.scenario.sources_server import World, sources_server
from tests.scenario.world import BY_KEY, ENTRIES, SOURCES, kind_of
from tests.subscribers.dovecot import PASSWORD as MAILBOX_PASSWORD
from tests.subscribers.dovecot import USER as MAILBOX_USER
from tests.subscribers.dovecot import Dovecot, dovecot

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 3, 1, 0, 0, tzinfo=PARIS)
END = datetime(2026, 4, 1, 12, 0, tzinfo=PARIS)
PASSWORD = "une phrase de passe assez longue"
EDITOR = "editrice@resacoop.example"
JULES = "jules@asso.example"  # weekly alerts on Monday, job offers only, nothing else


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its lowest cost: the same code paths without a tenth of a second per login."""
    import subscribers.accounts

    monkeypatch.setattr(subscribers.accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def bounces() -> Iterator[Dovecot]:
    """The network's bounce mailbox, on a real IMAP server."""
    with dovecot() as server:
        yield server


@pytest.fixture
def services(
    tmp_path: Path, database_url: str, db: Database, mailbox: Mailbox, bounces: Dovecot
) -> Iterator[tuple[Services, FrozenClock, World]]:
    world = World()
    clock = FrozenClock(START)
    with sources_server(world) as sources_url, smtp_server(mailbox) as port:
        settings = month_settings(tmp_path, database_url, sources_url, port)
        box = BounceMailboxSettings(imap_host="127.0.0.1", imap_port=bounces.port, security=Security.NONE,
                                    username=MAILBOX_USER, password=MAILBOX_PASSWORD, every="1d")  # fmt: skip
        settings = replace(settings, subscribers=replace(settings.subscribers, bounces=box))
        yield Services(settings, db, clock), clock, world


@pytest.mark.slow  # 10-25 s on SQLite, 20-50 s on PostgreSQL (three hourly jobs over 755 simulated hours)
def test_a_month_in_the_life(services: tuple[Services, FrozenClock, World], mailbox: Mailbox, bounces: Dovecot) -> None:
    svc, clock, world = services
    db = svc.db
    sync_sources(svc)
    add_user(db, EDITOR, Role.EDITOR, PASSWORD, now=clock.now())
    app = build_app(svc)
    public = TestClient(app, base_url=BASE)

    with TestClient(app, base_url=BASE) as admin:
        r = admin.get("/admin/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
        assert token
        r = admin.post("/admin/login", data={"email": EDITOR, "password": PASSWORD, "csrf_token": token.group(1)},
                       follow_redirects=False)  # fmt: skip
        assert r.status_code == 303
        editor = Editor(admin, db, EDITOR, PASSWORD)
        people = People(public, mailbox)
        scheduler = Scheduler(svc, clock)
        emailing_id: int | None = None
        newsletter_id: int | None = None
        member, staff = Member(public, mailbox), Staff(svc, editor)
        proposal_id: int | None = None

        instant = START.astimezone(UTC)
        while instant < END:
            instant += timedelta(hours=1)  # in UTC: the night of 29 March has one hour less in Paris
            at = instant.astimezone(PARIS)
            world.today = at.date()
            scheduler.advance_to(instant)
            day, hour = (at.month, at.day), at.hour
            if at.weekday() < 5 and hour == 10:
                editor.triage()
            if hour == 11:
                staff.send_last_calls()
            if hour != 11:
                pass
            elif day == (3, 2):
                for name in ("alice", "bob", "dave", "erin"):
                    people.sign_up(f"{name}@asso.example")
                people.sign_up("carol@mairie.example", themes=("sante",))
                people.sign_up(JULES, streams=(), alerts={"alerts": "weekly", "alert_day": "0", "alert_kinds": ["job"]})
                people.sign_up("frank@asso.example", confirm=False)  # never confirms: purged a week later
            elif day == (3, 4):
                people.sign_up("gina@asso.example")
                people.sign_up("henri@ferme.example")
            elif day == (3, 5):
                people.preferences("bob@asso.example", streams=["emailing"])  # emailings only
            elif day == (3, 6):
                member.propose_event()
                proposal_id = triage_the_proposal(editor).id
                assert "est publiée" in str(mailbox.to(MEMBER)[-1]["Subject"])
            elif day == (3, 10):
                mailbox.dead.add("henri@ferme.example")  # his mailbox closes: the relay now answers 550
            elif day == (3, 16):
                emailing_id = send_thematic_emailing(svc, "eau")
            elif day == (3, 18):
                got = [m for m in mailbox.to("gina@asso.example") if issue_mail(m, emailing_id, db)]
                assert len(got) == 1, [str(m["Subject"]) for m in mailbox.to("gina@asso.example")]
                gina_mail = got[0]
                people.one_click(list_unsubscribe(gina_mail), "emailing")
            elif day == (3, 19):  # Gina's server refuses the emailing it had accepted: a DSN, and a reader's reply
                (gina_mail,) = [m for m in mailbox.to("gina@asso.example") if issue_mail(m, emailing_id, db)]
                bounces.append(late_bounce("gina@asso.example", str(gina_mail["Message-ID"])))
                bounces.append(b"From: alice@asso.example\r\nSubject: Re: merci\r\n\r\nMerci pour l'emailing !\r\n")
            elif day == (3, 20):
                dave = subscriber_id(db, "dave@asso.example")
                people.one_click(build_subscribers(svc).links.unsubscribe_url(dave, Stream.NEWSLETTER), "newsletter")
            elif day == (3, 23):
                people.leave_everything("erin@asso.example")
            elif day == (3, 25):
                people.sign_up("ines@lycee.example")
            if day == (3, 17) and hour == 14:  # readers follow items of the emailing (counted, nobody named)
                for reader, n in (("alice@asso.example", 2), ("bob@asso.example", 1), ("dave@asso.example", 1)):
                    (got,) = [m for m in mailbox.to(reader) if issue_mail(m, emailing_id, db)]
                    people.read_items(got, n)
            if day == (4, 1) and hour == 9:
                newsletter_id = approve_newsletter(svc)
            if day == (4, 1) and hour == 11 and newsletter_id is not None:
                (got,) = [m for m in mailbox.to("alice@asso.example") if issue_mail(m, newsletter_id, db)]
                people.read_items(got, 3)

    assert emailing_id is not None and newsletter_id is not None and proposal_id is not None
    check_the_month(svc, world, mailbox, editor, people, scheduler, emailing_id, newsletter_id, proposal_id,
                    staff.sent)  # fmt: skip
    # The bounce mailbox: the DSN was read once by the daily job and put away; the reply waits for a person.
    assert scheduler.runs["subscribers.bounces"] == 32
    assert len(bounces.uids("Relais.Traités")) == 1 and len(bounces.uids("INBOX")) == 1


# -- staff ------------------------------------------------------------------------------------------------------


def send_thematic_emailing(svc: Services, theme: str) -> int:
    """On demand: build the theme's emailing, approve it for now, send it over SMTP."""
    digest = digest_service(svc)
    issue = digest.build_emailing(theme=theme, by="staff@resacoop.example")
    assert issue.id is not None
    digest.approve(issue.id, by="staff@resacoop.example")
    (report,) = send_due(svc)
    assert report.issue_id == issue.id, report
    return issue.id


def approve_newsletter(svc: Services) -> int:
    """The cron job has just built the draft; staff approve it and the sending job takes it from there."""
    with svc.db.session() as s:
        (draft,) = [i for i in IssueRepository(s).find(status=IssueStatus.DRAFT) if i.kind == IssueKind.NEWSLETTER]
    assert draft.id is not None
    digest_service(svc).approve(draft.id, by="staff@resacoop.example")
    return draft.id


# -- reading the mail ---------------------------------------------------------------------------------------------


def late_bounce(address: str, message_id: str) -> bytes:
    """A DSN in Gmail's shape, days after the relay accepted the message."""
    return (
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\nTo: lettre@resacoop.example\r\n"
        "Subject: Delivery Status Notification (Failure)\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        f"--b\r\nContent-Type: text/plain\r\n\r\nYour message wasn't delivered to {address}.\r\n\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; googlemail.com\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: 5.2.1\r\n"
        "Diagnostic-Code: smtp; 550 5.2.1 The email account that you tried to reach is disabled.\r\n\r\n"
        f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nTo: {address}\r\nMessage-ID: {message_id}\r\n\r\n"
        "--b--\r\n"
    ).encode()


def subscriber_id(db: Database, address: str) -> int:
    with db.session() as s:
        sub = SubscriberRepository(s).by_email(address)
    assert sub is not None and sub.id is not None
    return sub.id


def issue_mail(msg: object, issue_id: int | None, db: Database) -> bool:
    with db.session() as s:
        subject = IssueRepository(s).get(issue_id or 0).subject
    return str(msg["Subject"]) == subject  # type: ignore[index]


def list_unsubscribe(msg: object) -> str:
    header = str(msg["List-Unsubscribe"])  # type: ignore[index]
    m = re.search(r"<(https://[^>]+)>", header)
    assert m, header
    return m.group(1)


def by_issue(mailbox: Mailbox, issue_id: int) -> Counter[str]:
    """Who received issue ``issue_id``, by the Message-ID its ledger row gave (subjects of last calls may repeat)."""
    return Counter(rcpt for rcpt, m in mailbox.messages if str(m["Message-ID"]).startswith(f"<relais.{issue_id}."))


def recipients(mailbox: Mailbox, db: Database, issue_id: int) -> Counter[str]:
    with db.session() as s:
        subject = IssueRepository(s).get(issue_id).subject
    return Counter(rcpt for rcpt, m in mailbox.messages if str(m["Subject"]) == subject)


# -- the end of the month --------------------------------------------------------------------------------------------


def check_the_month(
    svc: Services, world: World, mailbox: Mailbox, editor: Editor, people: People, scheduler: Scheduler,
    emailing_id: int, newsletter_id: int, proposal_id: int, last_call_ids: list[int],
) -> None:  # fmt: skip
    db = svc.db
    with db.session() as s:
        issues = {i.id: i for i in IssueRepository(s).find()}
        items = {i.title: i for i in ItemRepository(s).find()}
        problems = consistency.check(s)
    assert problems == []
    assert issues[emailing_id].status == IssueStatus.SENT and issues[newsletter_id].status == IssueStatus.SENT
    alerts = check_the_alerts(db, mailbox)
    # Every « Dernier rappel » the daily job drafted waited for staff, who sent it; none recalled an item twice.
    assert last_call_ids, "no last-call emailing was drafted in a month of calls closing"
    drafted = [i.id or 0 for i in issues.values() if i.subject.startswith("Dernier rappel")]
    assert sorted(drafted) == sorted(last_call_ids)
    assert all(issues[i].status == IssueStatus.SENT and issues[i].created_by == "relais (derniers rappels)"
               for i in last_call_ids)  # fmt: skip
    recalled = [e.item_id for i in last_call_ids for e in issues[i].entries]
    assert len(recalled) == len(set(recalled))
    by_item_id = {i.id: i for i in items.values()}
    for i in last_call_ids:
        made = (issues[i].created_at or END).astimezone(PARIS).date()
        for e in issues[i].entries:
            closing = by_item_id[e.item_id]
            assert str(closing.kind) in ("call", "funding") and closing.deadline is not None
            assert made <= closing.deadline <= made + timedelta(days=svc.settings.digest.last_call_days)

    # Who got what: each exactly once; the unsubscribed, the bounced and the uninterested left out.
    emailing = recipients(mailbox, db, emailing_id)
    assert emailing == Counter(f"{n}@asso.example" for n in ("alice", "bob", "dave", "erin", "gina"))
    assert mailbox.refused["henri@ferme.example"] >= 1
    newsletter = recipients(mailbox, db, newsletter_id)  # Gina's late bounce (3/19) suppressed her before it
    assert newsletter == Counter(["alice@asso.example", "carol@mairie.example", "ines@lycee.example"])
    with db.session() as s:
        assert SubscriberRepository(s).by_email("gina@asso.example").status == SubscriberStatus.BOUNCED  # type: ignore[union-attr]
    last_calls = {i: by_issue(mailbox, i) for i in last_call_ids}
    assert all(sum(sent.values()) > 0 for sent in last_calls.values())

    # The member's event: proposed, confirmed, approved, in the newsletter; its contact got two short emails.
    proposed = by_item_id[proposal_id]
    assert proposed.status == ItemStatus.APPROVED and proposal_id in {e.item_id for e in issues[newsletter_id].entries}
    assert [x.source_name for x in proposed.sources] == ["Proposition d'un membre — Terre Solidaire"]
    assert [str(m["Subject"]).split(" : ", 1)[1] for m in mailbox.to(MEMBER)] == [
        "confirmez votre proposition", "votre proposition est publiée"
    ]  # fmt: skip

    # Preferences honoured inside the newsletter too: Carol asked for health only, so the items tagged "eau" are
    # left out of her copy and not of Alice's; Frank never confirmed and was purged after a week.
    def copy_of(address: str) -> str:
        (msg,) = [
            m for rcpt, m in mailbox.messages if rcpt == address and m["Subject"] == issues[newsletter_id].subject
        ]
        body = msg.get_body(("plain",))
        assert body is not None
        # titles keep their words; the newsletter binds « and » to them with non-breaking spaces
        return str(body.get_content()).replace("\u00a0", " ").replace("\u202f", " ")

    water = [BY_KEY[k].title for k, theme in editor.tagged.items() if theme == "eau" and BY_KEY[k].day > 13]
    assert water and all(t in copy_of("alice@asso.example") for t in water)
    assert not any(t in copy_of("carol@mairie.example") for t in water)
    assert BY_KEY["call-1"].title in copy_of("carol@mairie.example")
    with db.session() as s:
        assert SubscriberRepository(s).by_email("frank@asso.example") is None

    # The merged call lists both sources; the extended deadline is the new one, accepted by the editor.
    merged = items[BY_KEY["fin-2"].title]
    assert {x.source_name for x in merged.sources} == {SOURCES[0].name, SOURCES[1].name}
    assert merged.deadline == BY_KEY["fin-2"].extended and editor.updates_accepted == ["fin-2"]
    assert len(items) == len(ENTRIES) + 1  # and the member's event
    waiting = {key_of(title) for title, item in items.items() if item.status == ItemStatus.NEW}
    assert waiting == {e.key for e in ENTRIES if e.decision == "wait"}

    # What went in each issue, from the plan: the emailing took the theme's open items on the 16th, the
    # newsletter every approved item still open on 1 April.
    emailing_keys = {k for k, theme in editor.tagged.items() if theme == "eau" and BY_KEY[k].day <= 13}
    in_newsletter = {k for k in editor.approved_keys if (d := effective_deadline(k)) is None or d >= date(2026, 4, 1)}
    by_id = {i.id: i for i in items.values()}
    assert {key_of(by_id[e.item_id].title) for e in issues[emailing_id].entries} == emailing_keys
    assert {key_of(by_id[e.item_id].title) for e in issues[newsletter_id].entries if e.item_id != proposal_id} == (
        in_newsletter
    )
    recalled_keys = {key_of(by_id[i].title) for i in recalled}
    sent_keys = emailing_keys | in_newsletter | recalled_keys
    published = Counter(str(kind_of(BY_KEY[k])) for k in sent_keys) + Counter(["event"])  # and the member's event
    events = Counter(
        next(s.territory for s in SOURCES if s.key == BY_KEY[k].sources[0])
        for k in sent_keys
        if str(kind_of(BY_KEY[k])) == "event"
    ) + Counter(["69"])  # the member's event, in the Rhône
    collected = Counter(str(kind_of(e)) for e in ENTRIES) + Counter(["event"])
    editor.approved["event"] += 1  # the member's event, approved in the admin like the others

    # The sources' runs, counted by the HTTP server itself.
    fetched = sum(n for (_, status), n in world.responses.items() if status == 200)
    not_modified = sum(n for (_, status), n in world.responses.items() if status == 304)
    assert not_modified > 0, "conditional requests were not honoured"
    assert sum(n for job, n in scheduler.runs.items() if job.startswith("watch.collect:")) == fetched + not_modified

    period = Period(PeriodKind.RANGE, date(2026, 3, 1), date(2026, 4, 1), "Europe/Paris")
    figures = compute_key_figures(db, period, svc.settings.taxonomy)

    sends = figures.sends
    assert (sends.newsletters, sends.emailings, sends.alerts) == (1, 1 + len(last_call_ids), sum(alerts.values()))
    late = 1  # Gina's emailing: accepted by the relay, then bounced (its ledger row moved)
    recalls = sum((Counter(sent) for sent in last_calls.values()), Counter())
    assert sends.messages_accepted == (
        sum(emailing.values()) + sum(newsletter.values()) + sum(recalls.values()) + sum(alerts.values()) - late
    )
    assert (sends.messages_bounced, sends.hard_bounces, sends.soft_bounces, sends.messages_failed) == (2, 2, 0, 0)
    reached = (emailing - Counter(["gina@asso.example"])) + newsletter + recalls + alerts  # Gina's bounced late
    assert sends.distinct_recipients == len(+reached)

    def month_of(issue_id: int) -> str:
        return f"{(issues[issue_id].sent_at or END).astimezone(PARIS):%Y-%m}"

    def recalled_in(month: str) -> list[int]:
        return [i for i in last_call_ids if month_of(i) == month]

    assert [(m.month, m.newsletters, m.emailings, m.messages_accepted) for m in sends.by_month] == [
        ("2026-03", 0, 1 + len(recalled_in("2026-03")),
         sum(emailing.values()) - late + sum(sum(last_calls[i].values()) for i in recalled_in("2026-03"))
         + sum(alerts.values())),  # Jules's alerts: every Monday of the month is in March
        ("2026-04", 1, len(recalled_in("2026-04")),
         sum(newsletter.values()) + sum(sum(last_calls[i].values()) for i in recalled_in("2026-04"))),
    ]  # fmt: skip

    audience = figures.audience
    assert audience.confirmed_signups == len(people.confirmed)
    assert audience.unsubscribes == dict(people.unsubscribed)
    assert audience.suppressed == 2
    assert audience.subscribers_start == 0
    left = people.unsubscribed["all"] + 2  # those who left everything, and the two bounced addresses
    assert audience.subscribers_end == len(people.confirmed) - left

    assert nonzero(figures.items.collected) == dict(collected)
    assert nonzero(figures.items.approved) == dict(editor.approved)
    assert nonzero(figures.items.published) == dict(published)
    assert {s.key: s.count for s in figures.items.events_by_territory if s.count} == dict(events)
    themes = Counter(editor.tagged[k] for k in sent_keys if k in editor.tagged)
    assert {s.key: s.count for s in figures.items.themes if s.count} == dict(themes)

    assert figures.sources.runs == {k: v for k, v in {"fetched": fetched, "not_modified": not_modified}.items() if v}
    work = figures.workload
    assert work.items_triaged == sum(editor.approved.values()) + sum(editor.rejected.values())
    assert [(e.editor, e.approved, e.rejected) for e in work.editors] == [
        (EDITOR, sum(editor.approved.values()), sum(editor.rejected.values()))
    ]
    assert (figures.proposals.received, figures.proposals.published, figures.proposals.declined) == (1, 1, 0)

    # Clicks: what the readers followed, per item and in all, in the figures and in each issue's report; nothing
    # in the table can say who clicked.
    per_item: Counter[int] = Counter()
    for (_, item), n in people.clicks.items():
        per_item[item] += n
    assert figures.clicks.total == sum(people.clicks.values()) == 7
    assert {r.item_id: r.clicks for r in figures.clicks.most_read} == dict(per_item)
    assert figures.clicks.most_read[0].clicks == max(per_item.values())
    for issue_id in (emailing_id, newsletter_id):
        report = issue_report(db, issue_id)
        mine = {item: n for (i, item), n in people.clicks.items() if i == issue_id}
        assert report.clicks == sum(mine.values()) and {r.item_id: r.clicks for r in report.items if r.clicks} == mine
    # Gina left by the emailing's List-Unsubscribe, Erin by its footer (her latest email); Dave's link was made on
    # 20 March, for no email: his unsubscribe belongs to no issue.
    assert issue_report(db, emailing_id).unsubscribes == 2 and issue_report(db, newsletter_id).unsubscribes == 0


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def check_the_alerts(db: Database, mailbox: Mailbox) -> Counter[str]:
    """Jules asked for weekly alerts on Monday, job offers only: each Monday he got exactly the offers approved in
    the week before it (07:00 to 07:00 in Paris, by their approval time), and nothing on a week without one (no
    edition at all: he is the only one with alerts). The alert messages, per recipient."""
    with db.session() as s:
        editions = {i.id: i for i in IssueRepository(s).find(kind=IssueKind.ALERT)}
        approved = [i for i in ItemRepository(s).find() if i.status == ItemStatus.APPROVED and i.approved_at]
    jobs = [i for i in approved if i.kind == ItemKind.JOB]
    expected: dict[date, set[str]] = {}
    for monday in (date(2026, 3, 9), date(2026, 3, 16), date(2026, 3, 23), date(2026, 3, 30)):
        cutoff = datetime.combine(monday, time(7), PARIS)
        start = datetime.combine(monday - timedelta(days=7), time(7), PARIS)
        expected[monday] = {j.title for j in jobs if start < (j.approved_at or END) <= cutoff}
    assert any(not titles for titles in expected.values()), "no week without a job offer: the empty week is untested"
    got: dict[date, set[str]] = {}
    sent: Counter[str] = Counter()
    for rcpt, m in mailbox.messages:
        ledger = re.match(r"<relais\.(\d+)\.", str(m["Message-ID"]))  # a ledger row's message, or a system email
        if ledger is None or (issue := int(ledger.group(1))) not in editions:
            continue
        sent[rcpt] += 1
        assert rcpt == JULES and str(m["Subject"]).startswith("Vos alertes de la semaine")
        body = m.get_body(("plain",))
        assert body is not None
        text = str(body.get_content()).replace("\u00a0", " ")
        day = (editions[issue].created_at or END).astimezone(PARIS).date()
        got[day] = {i.title for i in approved if i.title in text}  # any approved item's title it names
    assert got == {day: titles for day, titles in expected.items() if titles}
    assert {(e.created_at or END).astimezone(PARIS).date() for e in editions.values()} == set(got)
    assert all(e.status == IssueStatus.SENT for e in editions.values())
    return sent


def key_of(title: str) -> str:
    return next(e.key for e in ENTRIES if e.title == title)


def effective_deadline(key: str) -> date | None:
    e = BY_KEY[key]
    return e.extended or e.deadline
