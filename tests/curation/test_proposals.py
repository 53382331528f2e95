"""Members' proposals through the service, on each engine: nothing reaches triage before the contact confirms,
a confirmed proposal is a new item enriched like a collected one, the proposer is told the outcome once, and every
bad input of the issue stores nothing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from core.model import ItemStatus, ProposalStatus
from curation.actions import Curator
from curation.proposal_form import ProposalRefused
from curation.proposals import ProposalLimited, ProposalLinkError, ProposalService, Submission
from curation.validate import Taxonomy
from figures.compute import compute_key_figures
from figures.period import Period, PeriodKind
from storage.database import Database
from storage.items import ItemRepository
from storage.proposals import ProposalRepository
from storage.tables import ItemRow, ProposalRow
from tests.curation.proposal_world import BASE, FakeMailer, form, jpeg_with_exif, service, settings_for

ED = "editrice@example.org"


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def proposals(db: Database, clock: FrozenClock, tmp_path: Path, mailer: FakeMailer) -> ProposalService:
    return service(db, clock, settings_for(tmp_path), mailer)


def count(db: Database, table: Any) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def token(mailer: FakeMailer) -> str:
    url = mailer.last("proposal_confirm").links["confirm"]
    assert url.startswith(f"{BASE}/propose/confirm/")
    return url.rsplit("/", 1)[1]


def submit(proposals: ProposalService, ip: str = "203.0.113.7", image: bytes | None = None, **changes: Any) -> Any:
    lists = {"themes": changes.pop("themes", []), "territories": changes.pop("territories", [])}
    return proposals.submit(Submission(form(**changes), lists, image), ip)


def test_nothing_reaches_triage_until_the_contact_confirms(
    proposals: ProposalService, db: Database, mailer: FakeMailer
) -> None:
    submit(proposals, themes=["education"], territories=["69"])
    assert mailer.kinds() == ["proposal_confirm"] and mailer.sent[0].email == "contact@asso.example.org"
    assert mailer.sent[0].links["title"].startswith("Rencontre régionale")
    assert count(db, ProposalRow) == 1 and count(db, ItemRow) == 0  # unconfirmed address: no item

    pending = proposals.check_link(token(mailer))  # the page the link opens changes nothing
    assert pending.status == ProposalStatus.PENDING and count(db, ItemRow) == 0

    item = proposals.confirm(token(mailer))
    assert item.status == ItemStatus.NEW and item.title.startswith("Rencontre régionale")
    with db.session() as s:
        stored = ItemRepository(s).get(item.id or 0)
        seen = ItemRepository(s).sources_of([item.id or 0])[item.id or 0]
        proposal = ProposalRepository(s).for_item(item.id or 0)
    assert [src.source_name for src in seen] == ["Proposition d'un membre — Association Terre Solidaire"]
    assert stored.tags == ["education", "69"] and stored.place == "Lyon"
    assert stored.starts_at is not None and stored.starts_at.hour == 8  # 9:30 in Paris is 8:30 UTC
    assert stored.field_origins["title"] == "member"
    assert proposal is not None and proposal.status == ProposalStatus.CONFIRMED

    with pytest.raises(ProposalLinkError, match="déjà confirmée"):
        proposals.confirm(token(mailer))  # a second click makes no second item
    assert count(db, ItemRow) == 1


def test_suggestions_with_reasons_and_dates_read_from_the_text_like_collected_items(
    proposals: ProposalService, mailer: FakeMailer
) -> None:
    body = "Appel à projets pour l'accès à l'eau au Sénégal.\n\nDate limite de dépôt : 15 janvier 2027."
    submit(proposals, kind="call", starts_at="", ends_at="", place="", body=body, title="Appel Eau et assainissement")
    item = proposals.confirm(token(mailer))
    assert str(item.deadline) == "2027-01-15"
    assert item.field_origins["deadline"].startswith("text: ")  # read, with its sentence, for the editor
    suggested = {s.tag: s.reason for s in item.suggested_tags}
    assert suggested.get("eau")  # a reason, like a collected item's


def test_the_member_given_deadline_is_kept_over_the_text(proposals: ProposalService, mailer: FakeMailer) -> None:
    submit(
        proposals, kind="call", starts_at="", ends_at="", deadline="2027-02-01", body="Date limite : 15 janvier 2027"
    )
    item = proposals.confirm(token(mailer))
    assert str(item.deadline) == "2027-02-01" and item.field_origins["deadline"] == "member"


def test_forged_expired_and_stale_links_are_refused(
    proposals: ProposalService, clock: FrozenClock, mailer: FakeMailer, db: Database
) -> None:
    submit(proposals)
    good = token(mailer)
    with pytest.raises(ProposalLinkError, match="pas valide"):
        proposals.confirm(good[:-3] + "abc")
    clock.advance(timedelta(hours=73))
    with pytest.raises(ProposalLinkError, match="expiré"):
        proposals.confirm(good)
    assert proposals.purge_pending() == 1 and count(db, ProposalRow) == 0 and count(db, ItemRow) == 0


def test_a_bot_filling_the_hidden_field_stores_and_sends_nothing(
    proposals: ProposalService, db: Database, mailer: FakeMailer
) -> None:
    assert submit(proposals, website="https://spam.example") is None
    assert count(db, ProposalRow) == 0 and mailer.sent == []


def test_a_flood_from_one_address_or_one_network_is_stopped(
    proposals: ProposalService, db: Database, mailer: FakeMailer
) -> None:
    for i in range(3):
        submit(proposals, ip=f"203.0.113.{i}")
    with pytest.raises(ProposalLimited, match="cette adresse électronique"):
        submit(proposals, ip="203.0.113.99")
    assert count(db, ProposalRow) == 3 and len(mailer.sent) == 3
    for i in range(10):  # [proposals] rate_per_ip_per_hour
        submit(proposals, ip="198.51.100.1", email=f"membre{i}@asso.example.org")
    with pytest.raises(ProposalLimited, match="adresse réseau"):
        submit(proposals, ip="198.51.100.1", email="encore@asso.example.org")
    assert count(db, ProposalRow) == 13


@pytest.mark.parametrize(
    ("changes", "image", "words"),
    [
        ({"body": "<script>alert('x')</script>"}, None, "contient du code"),
        ({"body": "x" * 10_001}, None, "trop long"),
        ({}, b"\xff\xd8\xff" + b"0" * 5_000_001, "trop lourde"),
        ({}, b"MZ\x90\x00 not an image at all", "pas une image lisible"),
        ({"ends_at": "2026-11-19T10:00"}, None, "se termine avant de commencer"),
        ({"kind": "call", "deadline": "2026-10-31", "starts_at": "", "ends_at": ""}, None, "déjà passée"),
    ],
)
def test_bad_input_stores_nothing_half_done(
    proposals: ProposalService, db: Database, mailer: FakeMailer, tmp_path: Path,
    changes: dict[str, str], image: bytes | None, words: str,
) -> None:  # fmt: skip
    with pytest.raises(ProposalRefused, match=words):
        submit(proposals, image=image, **changes)
    assert count(db, ProposalRow) == 0 and mailer.sent == []
    folder = tmp_path / "proposals"
    assert not folder.exists() or not any(folder.iterdir())


def test_an_image_is_stored_reencoded_and_shown_from_its_public_path(
    proposals: ProposalService, mailer: FakeMailer, tmp_path: Path
) -> None:
    submit(proposals, image=jpeg_with_exif(), image_alt="L'affiche de la rencontre")
    item = proposals.confirm(token(mailer))
    assert item.image_url is not None and item.image_url.startswith(f"{BASE}/propose/images/")
    assert item.image_alt == "L'affiche de la rencontre"
    name = item.image_url.rsplit("/", 1)[1]
    path = proposals.image_path(name)
    assert path is not None and path.parent == tmp_path / "proposals"
    assert b"SecretCam" not in path.read_bytes()


def test_the_proposer_is_told_once_when_published_or_declined_with_the_reason(
    proposals: ProposalService, db: Database, clock: FrozenClock, mailer: FakeMailer
) -> None:
    submit(proposals)
    published = proposals.confirm(token(mailer))
    submit(proposals, title="Formation aux ODD", kind="training")
    declined = proposals.confirm(token(mailer))
    assert proposals.notify() == 0  # nothing decided yet
    curator = Curator(db, clock, Taxonomy.from_settings(proposals_settings_taxonomy(proposals)))
    curator.approve([published.id or 0], actor=ED)
    curator.set_status([declined.id or 0], ItemStatus.REJECTED, actor=ED, reason="Hors de notre territoire")
    assert proposals.notify() == 2
    assert mailer.last("proposal_published").links["site"] == f"{BASE}/"
    assert mailer.last("proposal_published").links["title"].startswith("Rencontre")
    assert mailer.last("proposal_declined").links["reason"] == "Hors de notre territoire"
    assert proposals.notify() == 0  # told once
    curator.approve([declined.id or 0], actor=ED)  # approved after all: no second email
    assert proposals.notify() == 0 and mailer.kinds().count("proposal_published") == 1
    with db.session() as s:
        p = ProposalRepository(s).for_item(declined.id or 0)
    assert p is not None and p.status == ProposalStatus.DECLINED and p.reason == "Hors de notre territoire"
    assert (p.email, p.ip) == ("", None)  # told: the address has served its only purpose
    november = Period(PeriodKind.RANGE, date(2026, 11, 1), date(2026, 11, 30), "Europe/Paris")
    counted = compute_key_figures(db, november, proposals_settings_taxonomy(proposals)).proposals
    assert (counted.received, counted.published, counted.declined) == (2, 1, 1)
    sources = compute_key_figures(db, november, proposals_settings_taxonomy(proposals)).sources
    assert sources.total == 0  # the members' « sources » are not sources the network follows
    october = Period(PeriodKind.RANGE, date(2026, 10, 1), date(2026, 10, 31), "Europe/Paris")
    assert compute_key_figures(db, october, proposals_settings_taxonomy(proposals)).proposals.received == 0


def proposals_settings_taxonomy(proposals: ProposalService) -> Any:
    from core.settings import load_settings
    from tests.curation.proposal_world import ROOT

    return load_settings(ROOT / "config.toml", environ={}).taxonomy
