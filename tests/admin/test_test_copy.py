"""A test copy, through the admin over the real digest, segmenter and composer: one email per address, of the
segment the staff chose, or of the address's own segment when it is a subscriber (else the largest), its subject
saying which segment it is; one French flash message for the whole send."""

from __future__ import annotations

import re
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from admin.issue_send import proof_report
from admin.web import WebContext
from core.clock import FrozenClock
from core.model import Preferences, Role, Subscriber, SubscriberStatus
from delivery.mailers.base import SendResult, Verdict
from delivery.mailers.memory import MemoryMailer
from delivery.proof import ProofCopy
from relais.web import build_web_context
from relais.web_sending import BackgroundSending
from storage.database import Database
from storage.subscribers import SubscriberRepository
from tests.admin.conftest import csrf_of
from tests.admin.issue_world import add_subscribers, approved_calls, settings

Login = Callable[[Role], TestClient]


@pytest.fixture
def web(db: Database, clock: FrozenClock, tmp_path: Path, seam: BackgroundSending) -> WebContext:
    return build_web_context(settings(tmp_path), db, clock, secret_key="t", sending=seam)


def subjects(mailer: MemoryMailer) -> dict[str, str]:
    return {m.recipient: str(message_from_bytes(m.message, policy=policy.default)["Subject"]) for m in mailer.sent}


def world(db: Database, clock: FrozenClock, staff: TestClient) -> tuple[int, str]:
    """Three calls (ECSI, eau, untagged); 3 subscribers for ECSI, 2 for eau (and Isère): two segments."""
    approved_calls(db, clock)
    add_subscribers(db, 3, themes=["ecsi"])
    token = csrf_of(staff.get("/admin/issues/new").text)
    r = staff.post("/admin/issues", data={"csrf_token": token, "kind": "newsletter", "editorial": "Bonne lecture"},
                   follow_redirects=False)  # fmt: skip
    return int(r.headers["location"].rsplit("/", 1)[1]), token


def add_eau_readers(db: Database) -> None:
    with db.session() as s:
        for email in ("eau1@commune.fr", "eau2@commune.fr"):
            prefs = Preferences(themes=["eau"], territories=["38"])
            SubscriberRepository(s).save(Subscriber(email=email, status=SubscriberStatus.CONFIRMED, preferences=prefs))


def test_one_copy_per_address_each_of_its_segment_with_the_segment_in_the_subject(
    login: Login, db: Database, clock: FrozenClock, mailer: MemoryMailer
) -> None:
    staff = login(Role.STAFF)
    add_eau_readers(db)
    issue_id, token = world(db, clock, staff)
    page = staff.get(f"/admin/issues/{issue_id}/send").text
    assert "Éducation à la citoyenneté (3)" in page and "Eau, Isère (2)" in page  # the segments in words

    r = staff.post(f"/admin/issues/{issue_id}/test",
                   data={"csrf_token": token, "addresses": "eau2@commune.fr, relecture@resacoop.fr"})  # fmt: skip
    assert len(mailer.sent) == 2  # one email per address, not one per segment per address
    got = subjects(mailer)
    assert got["eau2@commune.fr"].startswith("[Test · Eau, Isère] ")  # a subscriber gets their own segment
    assert got["relecture@resacoop.fr"].startswith("[Test · Éducation à la citoyenneté] ")  # else the largest
    flashes = re.findall(r'class="flash flash-(\w+)"', r.text)
    assert flashes == ["success"]  # one message for the whole send
    assert "Copies de test envoyées : eau2@commune.fr (« Eau, Isère », son segment)" in r.text.replace("&#39;", "'")

    mailer.sent.clear()
    key = re.search(r'<option value="([0-9a-f]{16})">Eau, Isère', page)
    assert key
    chosen = {"csrf_token": token, "addresses": "a@resacoop.fr, membre0@asso0.fr", "segment": key.group(1)}
    staff.post(f"/admin/issues/{issue_id}/test", data=chosen)
    assert len(mailer.sent) == 2
    assert all(s.startswith("[Test · Eau, Isère] ") for s in subjects(mailer).values())  # for subscribers too


def test_the_report_is_one_french_sentence_with_the_refusals() -> None:
    ok, no = SendResult(Verdict.ACCEPTED, 250, "2.0.0 Ok"), SendResult(Verdict.PERMANENT, 550, "5.1.1 Inconnu")
    text = proof_report([ProofCopy("a@x.fr", "k1", ok, "Santé", True), ProofCopy("b@x.fr", "k2", no, "Eau")])
    assert text == ("Copie de test envoyée à a@x.fr (« Santé », son segment). Refusée par le serveur d'envoi : "
                    "b@x.fr : refusée (550 5.1.1 Inconnu).")  # fmt: skip
