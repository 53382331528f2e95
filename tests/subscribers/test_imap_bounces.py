"""Bounces and complaints read from a real IMAP mailbox (Dovecot on 127.0.0.1): real-shaped DSNs from Postfix,
Exim, Gmail, Orange and Outlook, ARF complaints from Yahoo and Microsoft, a person's reply and broken messages.

Each pass suppresses what the reports say, puts each report away in the processed folder, leaves what it cannot
classify for a person (counted once), and never records a message twice: not after a second pass, not after a
connection dropped in the middle of one, not after a wrong password.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.errors import MailboxError
from core.model import BounceKind, Subscriber, SubscriberStatus
from core.settings import BounceMailboxSettings, Security
from delivery.ledger import message_id
from storage.database import Database
from storage.networks import FIRST_NETWORK
from storage.subscribers import SubscriberRepository
from storage.tables import BounceRow, DeliveryRow, IssueRow
from subscribers.imap_bounces import MailboxInterrupted, read_mailbox
from subscribers.importer import import_csv
from subscribers.kit import SubscriberKit
from tests.subscribers.dovecot import PASSWORD, USER, CuttingProxy, Dovecot, dovecot

DATA = Path(__file__).parent / "data" / "mailbox"
PROCESSED = "Relais.Traités"  # "Relais/Traités" in the settings; Dovecot's Maildir++ separator is "."
REPORTS = ["postfix_hard", "exim_hard", "gmail_hard", "outlook_hard", "orange_delayed", "arf_yahoo", "arf_microsoft"]
PEOPLE = [
    "ancien.salarie@asso-exemple.fr",
    "inconnu@mairie-exemple.fr",
    "benevole.lyon@gmail.com",
    "parti@outlook.fr",
    "plein@orange.fr",
    "fache@yahoo.fr",
    "mecontent@hotmail.fr",
    "fidele@exemple.fr",
]
JUNK = b"\xff\xfe\x01 ceci n'est pas un message\r\n\r\n\x80\x81"


@pytest.fixture
def server() -> Iterator[Dovecot]:
    with dovecot() as d:
        yield d


@pytest.fixture
def people(kit: SubscriberKit, db: Database, clock: FrozenClock) -> dict[str, int]:
    import_csv(db, clock, ("email\n" + "\n".join(PEOPLE)).encode(), kit.choices, confirmed=True, basis="test")
    with db.session() as s:
        return {x.email: x.id for x in SubscriberRepository(s).find() if x.id is not None}


def settings_for(port: int, password: str = PASSWORD) -> BounceMailboxSettings:
    return BounceMailboxSettings(
        imap_host="127.0.0.1",
        imap_port=port,
        security=Security.NONE,
        username=USER,
        password=password,
        folder="INBOX",
        processed_folder="Relais/Traités",
        timeout=30,
    )


def sample(name: str, mid: str = "<unknown@elsewhere.example>") -> bytes:
    return (DATA / f"{name}.eml").read_bytes().replace(b"{MESSAGE_ID}", mid.encode()).replace(b"\n", b"\r\n")


def fill(server: Dovecot, names: list[str]) -> None:
    for name in names:
        server.append(sample(name))


def status(db: Database, address: str) -> tuple[SubscriberStatus, bool]:
    with db.session() as s:
        repo = SubscriberRepository(s)
        sub = repo.by_email(address)
        assert sub is not None
        return sub.status, repo.is_suppressed(address)


def bounce_rows(db: Database) -> list[tuple[int | None, str]]:
    with db.session() as s:
        return sorted((r.subscriber_id, r.kind) for r in s.query(BounceRow))


def test_reports_suppress_and_are_put_away_and_the_rest_stays_for_a_person(
    server: Dovecot, kit: SubscriberKit, db: Database, people: dict[str, int]
) -> None:
    fill(server, [*REPORTS, "reply", "broken_report"])
    server.append(JUNK)
    report = read_mailbox(settings_for(server.port), kit.bounces)

    assert sorted(report.recorded) == sorted(
        [
            ("ancien.salarie@asso-exemple.fr", "hard"),  # Postfix
            ("inconnu@mairie-exemple.fr", "hard"),  # Exim
            ("benevole.lyon@gmail.com", "hard"),  # Gmail
            ("parti@outlook.fr", "hard"),  # Outlook
            ("plein@orange.fr", "soft"),  # Orange, still retrying: one soft bounce, not suppressed
            ("fache@yahoo.fr", "complaint"),
            ("mecontent@hotmail.fr", "complaint"),
        ]
    )
    assert (report.messages, report.moved, report.unclassified) == (10, 7, 3)
    for address in ("ancien.salarie@asso-exemple.fr", "inconnu@mairie-exemple.fr", "benevole.lyon@gmail.com"):
        assert status(db, address) == (SubscriberStatus.BOUNCED, True)
    assert status(db, "fache@yahoo.fr") == (SubscriberStatus.COMPLAINED, True)
    assert status(db, "plein@orange.fr") == (SubscriberStatus.CONFIRMED, False)
    assert status(db, "fidele@exemple.fr") == (SubscriberStatus.CONFIRMED, False)
    # The reports are in the processed folder; the reply and the broken messages stay, flagged for a person.
    assert len(server.uids(PROCESSED)) == 7
    left = server.flags("INBOX")
    assert len(left) == 3 and all(b"\\Flagged" in f for f in left.values())
    assert any("Re: RESA'CLIC n°3" in why for why in report.left)
    # With the server's own words for the staff.
    with db.session() as s:
        details = {r.detail for r in s.query(BounceRow)}
    assert any("550 5.1.1" in d and "User unknown" in d for d in details)

    before = bounce_rows(db)
    again = read_mailbox(settings_for(server.port), kit.bounces)
    assert (again.messages, again.recorded, again.unclassified, again.moved) == (0, [], 0, 0)
    assert bounce_rows(db) == before and len(server.uids("INBOX")) == 3


def test_a_wrong_password_is_said_in_french_and_changes_nothing(
    server: Dovecot, kit: SubscriberKit, db: Database, people: dict[str, int]
) -> None:
    fill(server, ["postfix_hard"])
    with pytest.raises(MailboxError, match=r"a refusé l.identifiant « rebonds » .*RELAIS_BOUNCES_PASSWORD"):
        read_mailbox(settings_for(server.port, password="faux"), kit.bounces)
    assert bounce_rows(db) == [] and len(server.uids("INBOX")) == 1


def test_an_unreachable_server_is_said_in_french(kit: SubscriberKit, server: Dovecot) -> None:
    server.stop()
    with pytest.raises(MailboxError, match=r"impossible de joindre le serveur IMAP 127\.0\.0\.1"):
        read_mailbox(settings_for(server.port), kit.bounces)


@pytest.mark.parametrize(
    ("marker", "nth", "recorded_before"),
    [
        (b"BODY.PEEK[]", 3, 2),  # dropped while asking for the third message: two were recorded and put away
        (b"MOVE", 2, 2),  # dropped while putting the second away: it is recorded, the next pass only moves it
    ],
)
def test_a_connection_dropped_mid_pass_loses_nothing_and_counts_nothing_twice(
    server: Dovecot,
    kit: SubscriberKit,
    db: Database,
    people: dict[str, int],
    marker: bytes,
    nth: int,
    recorded_before: int,
) -> None:
    fill(server, ["postfix_hard", "exim_hard", "gmail_hard", "arf_yahoo"])
    proxy = CuttingProxy(server.port, marker, nth)
    try:
        with pytest.raises(MailboxInterrupted, match="a été coupée") as caught:
            read_mailbox(settings_for(proxy.port), kit.bounces)
    finally:
        proxy.close()
    assert proxy.cut.is_set()
    assert "aucun ne sera traité deux fois" in str(caught.value)
    assert len(caught.value.report.recorded) == recorded_before
    assert len(bounce_rows(db)) == recorded_before

    report = read_mailbox(settings_for(server.port), kit.bounces)
    assert len(report.recorded) == 4 - recorded_before
    rows = bounce_rows(db)
    assert len(rows) == 4 and len(set(rows)) == 4  # each report once
    assert server.uids("INBOX") == [] and len(server.uids(PROCESSED)) == 4


def test_a_20_mb_message_is_read_from_its_beginning(
    server: Dovecot, kit: SubscriberKit, db: Database, people: dict[str, int]
) -> None:
    """Exim returns the whole original: a 20 MB attachment after the report. A 20 MB reply is no report."""
    blob = b"QUJD" * (5 * 1024 * 1024 // 4 * 4) + b"\r\n"  # 20 MB of base64
    big_dsn = sample("exim_hard").replace(
        b"Bonjour,\r\nvoici la lettre de mars.\r\n", b"Bonjour,\r\n" + blob.replace(b"\r\n", b"") + b"\r\n"
    )
    big_reply = sample("reply") + blob
    assert len(big_dsn) > 20_000_000 and len(big_reply) > 20_000_000
    server.append(big_dsn)
    server.append(big_reply)
    report = read_mailbox(settings_for(server.port), kit.bounces)
    assert report.recorded == [("inconnu@mairie-exemple.fr", "hard")]
    assert (report.truncated, report.unclassified, report.moved) == (2, 1, 1)
    assert "seul le début de ce très gros message a été lu" in report.left[0]
    assert len(server.uids("INBOX")) == 1  # the reply, intact, for a person


def test_without_move_the_reports_are_flagged_and_never_read_again(
    kit: SubscriberKit, db: Database, people: dict[str, int]
) -> None:
    with dovecot(without_move=True) as server:
        fill(server, ["postfix_hard", "arf_microsoft"])
        report = read_mailbox(settings_for(server.port), kit.bounces)
        assert (len(report.recorded), report.moved) == (2, 2)
        assert all({b"\\Seen", b"$RelaisTraite"} <= f for f in server.flags("INBOX").values())
        again = read_mailbox(settings_for(server.port), kit.bounces)
        assert (again.messages, again.recorded) == (0, [])
    assert len(bounce_rows(db)) == 2


def _sends(db: Database, clock: FrozenClock, subscriber_id: int, address: str, titles: list[str]) -> list[str]:
    """Issues sent to one subscriber: their ledger rows' Message-IDs, oldest first."""
    mids = []
    with db.session() as s:
        for n, title in enumerate(titles, start=1):
            issue = IssueRow(
                network_id=FIRST_NETWORK,
                kind="newsletter",
                number=n,
                title=title,
                subject=title,
                status="sent",
                sent_at=clock.now(),
            )
            s.add(issue)
            s.flush()
            mid = message_id(issue.id, subscriber_id, secret="s", domain="resacoop.example")
            s.add(DeliveryRow(issue_id=issue.id, subscriber_id=subscriber_id, email=address, segment="all",
                              message_id=mid, status="accepted", finished_at=clock.now()))  # fmt: skip
            mids.append(mid)
    return mids


def test_three_sends_in_a_row_that_soft_bounce_suppress_and_staff_see_why(
    server: Dovecot, kit: SubscriberKit, db: Database, clock: FrozenClock, people: dict[str, int]
) -> None:
    sid = people["plein@orange.fr"]
    mids = _sends(db, clock, sid, "plein@orange.fr", ["RESA'CLIC n°1", "RESA'CLIC n°2", "RESA'CLIC n°3"])
    conf = settings_for(server.port)
    # The first send is reported three times (Orange warns again while it retries): it counts once.
    for _ in range(3):
        server.append(sample("orange_delayed", mids[0]))
    server.append(sample("orange_delayed", mids[1]))
    read_mailbox(conf, kit.bounces)
    assert status(db, "plein@orange.fr") == (SubscriberStatus.CONFIRMED, False)

    server.append(sample("orange_delayed", mids[2]))
    read_mailbox(conf, kit.bounces)
    assert status(db, "plein@orange.fr") == (SubscriberStatus.BOUNCED, True)
    with db.session() as s:
        repo = SubscriberRepository(s)
        reason = repo.suppression_reason("plein@orange.fr")
        log = repo.consent_events(sid)
    assert reason == "soft_bounces"
    note = log[-1]["details"]["note"]
    assert note.startswith("rejet temporaire à 3 envois consécutifs : « RESA'CLIC n°1 », « RESA'CLIC n°2 »")
    assert "452 4.2.2 Mailbox full" in note


def test_a_send_that_went_through_ends_the_run(
    server: Dovecot, kit: SubscriberKit, db: Database, clock: FrozenClock, people: dict[str, int]
) -> None:
    sid = people["plein@orange.fr"]
    titles = ["n°1", "n°2", "n°3 (remis)", "n°4", "n°5"]
    mids = _sends(db, clock, sid, "plein@orange.fr", titles)
    for mid in (mids[0], mids[1], mids[3], mids[4]):  # the third send was delivered: no report for it
        server.append(sample("orange_delayed", mid))
    read_mailbox(settings_for(server.port), kit.bounces)
    assert status(db, "plein@orange.fr") == (SubscriberStatus.CONFIRMED, False)
    with db.session() as s:
        assert SubscriberRepository(s).get(sid).soft_bounces == 2
        kinds = [r.kind for r in s.query(BounceRow).where(BounceRow.subscriber_id == sid)]
    assert kinds == [str(BounceKind.SOFT)] * 4


def test_the_processed_folder_is_created_once(server: Dovecot, kit: SubscriberKit, people: dict[str, int]) -> None:
    fill(server, ["gmail_hard"])
    read_mailbox(settings_for(server.port), kit.bounces)
    fill(server, ["outlook_hard"])
    read_mailbox(settings_for(server.port), kit.bounces)
    with server.client() as c:
        assert [name for _, _, name in c.list_folders() if name == PROCESSED] == [PROCESSED]
    assert len(server.uids(PROCESSED)) == 2


def test_a_late_hard_bounce_moves_its_ledger_row_to_bounced(
    server: Dovecot, kit: SubscriberKit, db: Database, clock: FrozenClock, people: dict[str, int]
) -> None:
    """The relay accepted the message; Gmail refused it later: the ledger says so (accepted → bounced)."""
    sid = people["benevole.lyon@gmail.com"]
    (mid,) = _sends(db, clock, sid, "benevole.lyon@gmail.com", ["RESA'CLIC n°3"])
    server.append(sample("gmail_hard").replace(b"<relais.3.43.2c3d4e5f@resacoop.example>", mid.encode()))
    read_mailbox(settings_for(server.port), kit.bounces)
    with db.session() as s:
        (row,) = s.query(DeliveryRow).all()
        (bounce,) = s.query(BounceRow).all()
    assert row.status == "bounced" and bounce.delivery_id == row.id and bounce.kind == "hard"


@pytest.mark.parametrize("security", [Security.TLS, Security.STARTTLS])
def test_over_tls_the_certificate_is_checked(
    security: Security, kit: SubscriberKit, db: Database, people: dict[str, int]
) -> None:
    """IMAPS (the default) and STARTTLS: with the server's certificate trusted it reads; without, it says so."""
    with dovecot(tls=True) as server:
        fill(server, ["postfix_hard"])
        port = server.tls_port if security is Security.TLS else server.port
        conf = replace(settings_for(port), security=security)
        with pytest.raises(MailboxError, match=r"la connexion TLS au serveur IMAP 127\.0\.0\.1:\d+ a échoué .*certif"):
            read_mailbox(conf, kit.bounces)  # the system's trust store does not know this self-signed certificate
        assert bounce_rows(db) == []
        trusted = ssl.create_default_context(cafile=str(server.ca_file))
        report = read_mailbox(conf, kit.bounces, ssl_context=trusted)
    assert report.recorded == [("ancien.salarie@asso-exemple.fr", "hard")]


def test_a_server_that_never_answers_is_said_in_french(kit: SubscriberKit) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never greets
        conf = replace(settings_for(silent.getsockname()[1]), timeout=0.5)
        with pytest.raises(MailboxError, match=r"impossible de joindre le serveur IMAP 127\.0\.0\.1:\d+ \(.*timed out"):
            read_mailbox(conf, kit.bounces)


def test_with_several_networks_a_report_goes_to_the_network_of_its_message(
    server: Dovecot, kit: SubscriberKit, db: Database, clock: FrozenClock, people: dict[str, int]
) -> None:
    """One mailbox for the deployment: a report naming a message of one network is recorded in that network only,
    even when the address is subscribed to both; a report naming no message of ours goes to each network that has
    the address."""
    from tests.storage.test_networks import two_networks

    _a, b = two_networks(db)
    both = ["plein@orange.fr", "ancien.salarie@asso-exemple.fr"]
    with db.session() as s:
        in_b = {
            address: SubscriberRepository(s, b)
            .save(Subscriber(email=address, status=SubscriberStatus.CONFIRMED, created_at=clock.now()))
            .id
            for address in both
        }
        issue = IssueRow(network_id=b, kind="newsletter", number=1, title="Lettre", subject="Lettre", status="sent",
                         sent_at=clock.now())  # fmt: skip
        s.add(issue)
        s.flush()
        sid = in_b["plein@orange.fr"]
        assert sid is not None
        mid = message_id(issue.id, sid, secret="s", domain="centraider.example")
        s.add(DeliveryRow(issue_id=issue.id, subscriber_id=sid, email=both[0], segment="all", message_id=mid,
                          status="accepted", finished_at=clock.now()))  # fmt: skip
    server.append(sample("orange_delayed", mid))  # names the second network's message
    server.append(sample("postfix_hard"))  # names no message of ours

    report = read_mailbox(settings_for(server.port), kit.bounces)

    assert sorted(report.recorded) == [("ancien.salarie@asso-exemple.fr", "hard"), ("plein@orange.fr", "soft")]
    with db.session() as s:
        soft = [(r.subscriber_id, r.delivery_id) for r in s.query(BounceRow).filter(BounceRow.kind == "soft")]
    assert soft == [(sid, soft[0][1])] and soft[0][1] is not None  # the second network's, tied to its ledger row

    def in_network(network: int, address: str) -> tuple[SubscriberStatus, bool]:
        with db.session() as s:
            repo = SubscriberRepository(s, network)
            sub = repo.by_email(address)
            assert sub is not None
            return sub.status, repo.is_suppressed(address)

    assert in_network(b, both[1]) == (SubscriberStatus.BOUNCED, True)  # an address that does not exist: in each
    assert status(db, both[1]) == (SubscriberStatus.BOUNCED, True)
