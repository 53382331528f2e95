"""Bounces: hard ones and complaints suppress at once, soft ones after a run; DSNs read from a Maildir."""

from __future__ import annotations

import email
import mailbox
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.errors import InvalidInput
from core.model import BounceKind, SubscriberStatus
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.bounces import parse_report, read_maildir
from subscribers.importer import import_csv
from subscribers.kit import SubscriberKit

DATA = Path(__file__).parent / "data"


@pytest.fixture
def people(kit: SubscriberKit, db: Database, clock: FrozenClock) -> dict[str, int]:
    emails = ["gone@exemple.fr", "full@exemple.fr", "angry@exemple.fr", "fine@exemple.fr"]
    import_csv(db, clock, ("email\n" + "\n".join(emails)).encode(), kit.choices, confirmed=True, basis="test")
    with db.session() as s:
        return {x.email: x.id for x in SubscriberRepository(s).find() if x.id is not None}


def state(db: Database, email: str) -> tuple[SubscriberStatus, int, bool]:
    with db.session() as s:
        repo = SubscriberRepository(s)
        sub = repo.by_email(email)
        assert sub is not None
        return sub.status, sub.soft_bounces, repo.is_suppressed(email)


def test_hard_bounce_suppresses_at_once(kit: SubscriberKit, db: Database, people: dict[str, int]) -> None:
    kit.bounces.record(people["gone@exemple.fr"], BounceKind.HARD, "smtp", "550 5.1.1 user unknown")
    assert state(db, "gone@exemple.fr") == (SubscriberStatus.BOUNCED, 0, True)


def test_complaint_suppresses_at_once(kit: SubscriberKit, db: Database, people: dict[str, int]) -> None:
    kit.bounces.record(people["angry@exemple.fr"], BounceKind.COMPLAINT, "arf", "abuse")
    assert state(db, "angry@exemple.fr") == (SubscriberStatus.COMPLAINED, 0, True)


def test_soft_bounces_suppress_only_in_a_row(kit: SubscriberKit, db: Database, people: dict[str, int]) -> None:
    sid, limit = people["full@exemple.fr"], kit.bounces.soft_limit
    for _ in range(limit - 1):
        kit.bounces.record(sid, BounceKind.SOFT, "smtp", "452 mailbox full")
    kit.bounces.delivered(sid)  # a success in between: the run starts again
    for _ in range(limit - 1):
        kit.bounces.record(sid, BounceKind.SOFT, "smtp", "452 mailbox full")
    assert state(db, "full@exemple.fr") == (SubscriberStatus.CONFIRMED, limit - 1, False)
    kit.bounces.record(sid, BounceKind.SOFT, "smtp", "452 mailbox full")
    assert state(db, "full@exemple.fr")[0] == SubscriberStatus.BOUNCED and state(db, "full@exemple.fr")[2]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dsn_hard", [("gone@exemple.fr", BounceKind.HARD)]),
        ("dsn_delayed", [("full@exemple.fr", BounceKind.SOFT)]),
        ("arf_complaint", [("angry@exemple.fr", BounceKind.COMPLAINT)]),
    ],
)
def test_reports_are_parsed(name: str, expected: list[tuple[str, BounceKind]]) -> None:
    msg = email.message_from_bytes((DATA / f"{name}.eml").read_bytes())
    assert parse_report(msg) == expected


def test_a_plain_message_reports_nothing() -> None:
    msg = email.message_from_string("From: a@x.fr\nTo: b@x.fr\nSubject: merci\n\nMerci pour la lettre !\n")
    assert parse_report(msg) == []


def test_maildir_is_read_once(kit: SubscriberKit, db: Database, people: dict[str, int], tmp_path: Path) -> None:
    box = mailbox.Maildir(str(tmp_path / "bounces"), create=True)
    for name in ("dsn_hard", "arf_complaint"):
        box.add((DATA / f"{name}.eml").read_bytes())
    box.add(b"From: x@y.fr\nTo: bounces@resacoop.example\nSubject: hello\n\nhi\n")
    box.add(b"From: m@y.fr\nSubject: x\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
            b"--B\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; nobody@exemple.fr\n"
            b"Action: failed\nStatus: 5.1.1\n\n--B--\n")  # fmt: skip
    report = read_maildir(tmp_path / "bounces", kit.bounces)
    assert sorted(report.recorded) == [("angry@exemple.fr", "complaint"), ("gone@exemple.fr", "hard")]
    assert report.unknown == ["nobody@exemple.fr"] and report.not_reports == 1 and report.messages == 4
    assert state(db, "gone@exemple.fr")[0] == SubscriberStatus.BOUNCED
    assert state(db, "fine@exemple.fr") == (SubscriberStatus.CONFIRMED, 0, False)
    again = read_maildir(tmp_path / "bounces", kit.bounces)
    assert again.messages == 0


def test_not_a_maildir(kit: SubscriberKit, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="Maildir"):
        read_maildir(tmp_path, kit.bounces)


def test_list_unsubscribe_mailto_requests_are_honoured(
    kit: SubscriberKit, db: Database, people: dict[str, int], tmp_path: Path
) -> None:
    from urllib.parse import unquote

    mailto = kit.links.unsubscribe_mailto(people["fine@exemple.fr"])
    subject = unquote(mailto.split("subject=", 1)[1])
    box = mailbox.Maildir(str(tmp_path / "in"), create=True)
    box.add(f"From: fine@exemple.fr\nTo: info@resacoop.example\nSubject: {subject}\n\n".encode())
    box.add(b"From: x@exemple.fr\nSubject: unsubscribe forged.token\n\n")

    def unsubscribe(token: str) -> None:
        kit.service.unsubscribe(token, one_click=True)

    report = read_maildir(tmp_path / "in", kit.bounces, unsubscribe=unsubscribe)
    assert (report.unsubscribed, report.refused) == (1, 1)
    assert state(db, "fine@exemple.fr")[0] == SubscriberStatus.UNSUBSCRIBED
    assert state(db, "gone@exemple.fr")[0] == SubscriberStatus.CONFIRMED
