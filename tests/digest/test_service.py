"""The digest on a real database: build a newsletter and emailings, edit the draft, segment and render."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.clock import FrozenClock
from core.errors import InvalidInput, NotFound
from core.message import Placeholder
from core.model import IssueStatus, Item, ItemKind, ItemSource, ItemStatus, Source, SourceKind, SubscriberStatus
from digest import sections as S
from digest.service import DigestService
from storage.database import Database
from storage.issues import IssueRepository
from storage.items import ItemRepository
from storage.sources import SourceRepository
from storage.subscribers import SubscriberRepository
from tests.digest.digest_factory import network, subscriber, taxonomy


@pytest.fixture
def svc(db: Database, clock: FrozenClock) -> DigestService:
    return DigestService(db=db, clock=clock, network=network(), taxonomy=taxonomy())


def _add(db: Database, clock: FrozenClock, title: str, kind: ItemKind = ItemKind.CALL, **kw: object) -> int:
    with db.session() as s:
        sources = SourceRepository(s).find()
        src = (
            sources[0]
            if sources
            else SourceRepository(s).save(Source("AMP", "https://amp.example/rss", SourceKind.FEED, ItemKind.CALL))
        )
        fields: dict[str, object] = {
            "status": ItemStatus.APPROVED,
            "approved_at": clock.now(),
            "url": "https://amp.example/a",
        }
        fields.update(kw)
        it = Item(kind=kind, title=title, collected_at=clock.now(), **fields)  # type: ignore[arg-type]
        it.sources = [ItemSource(source_id=src.id or 0, source_item_id=title)]
        return ItemRepository(s).add(it).id or 0


def _subscribe(db: Database, n: int, **prefs: object) -> None:
    with db.session() as s:
        sub = subscriber(n, **prefs)
        sub.id = None
        SubscriberRepository(s).save(sub)


def test_a_newsletter_takes_what_was_approved_since_the_previous_one(
    db: Database, clock: FrozenClock, svc: DigestService
) -> None:
    first = _add(db, clock, "Appel ancien", deadline=date(2027, 1, 1))
    clock.advance(timedelta(hours=1))
    issue1 = svc.build_newsletter(editorial="Premier numéro")
    assert issue1.number == 1 and [e.item_id for e in issue1.entries] == [first]
    assert issue1.subject == "RESA'CLIC n°1 – novembre 2026"

    clock.advance(timedelta(days=1))
    closed = _add(db, clock, "Appel clos", deadline=clock.now().date() - timedelta(days=1))
    fresh = _add(db, clock, "Nouvel appel", deadline=date(2027, 2, 1))
    event = _add(db, clock, "Soirée", ItemKind.EVENT, starts_at=datetime(2026, 12, 1, 18, tzinfo=UTC))
    issue2 = svc.build_newsletter()
    assert issue2.number == 2
    assert {(e.item_id, e.section) for e in issue2.entries} == {(fresh, S.FUNDING), (event, S.EVENTS)}
    assert closed not in {e.item_id for e in issue2.entries}

    with pytest.raises(InvalidInput, match="nothing to put in a newsletter"):
        svc.build_newsletter()  # nothing approved since issue 2


def test_an_empty_database_builds_no_newsletter(svc: DigestService) -> None:
    with pytest.raises(InvalidInput, match="no approved item"):
        svc.build_newsletter()
    assert svc.all() == []


def test_staff_edit_the_draft_then_it_is_frozen(db: Database, clock: FrozenClock, svc: DigestService) -> None:
    a = _add(db, clock, "A", deadline=date(2027, 1, 1))
    b = _add(db, clock, "B", deadline=date(2027, 2, 1))
    clock.advance(timedelta(minutes=1))
    issue = svc.build_newsletter()
    assert issue.id is not None
    svc.move_item(issue.id, b, to_index=0)
    assert [e.item_id for e in svc.get(issue.id).entries] == [b, a]
    svc.remove_item(issue.id, a)
    c = _add(db, clock, "C", ItemKind.NEWS)
    svc.add_item(issue.id, c)
    svc.set_editorial(issue.id, "  Édito revu  ")
    got = svc.get(issue.id)
    assert [(e.item_id, e.section) for e in got.entries] == [(b, S.FUNDING), (c, S.NEWS)]
    assert got.editorial == "Édito revu"
    with db.session() as s:
        IssueRepository(s).set_status(issue.id, IssueStatus.SENDING)
    with pytest.raises(InvalidInput, match="only a draft can be edited"):
        svc.set_editorial(issue.id, "trop tard")


def test_emailing_by_theme_has_that_theme_as_audience(db: Database, clock: FrozenClock, svc: DigestService) -> None:
    ecsi = _add(db, clock, "Festisol", tags=["ecsi"], deadline=date(2027, 1, 1))
    _add(db, clock, "Santé", tags=["sante"])
    issue = svc.build_emailing(theme="ecsi")
    assert [e.item_id for e in issue.entries] == [ecsi]
    assert issue.audience == {"themes": ["ecsi"]}
    assert issue.subject == "Éducation à la citoyenneté : la sélection de RESACOOP"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"theme": "inconnu"}, "unknown theme 'inconnu'"),
        ({"theme": "eau"}, "no approved, open item is tagged 'eau'"),
        ({}, "needs a theme, a list of items or a text"),
        ({"text": "Bonjour"}, "needs --subject"),
        ({"item_ids": [999], "subject": "x"}, "unknown item"),
        ({"theme": "ecsi", "item_ids": [1]}, "not both"),
    ],
)
def test_bad_emailings_are_refused_and_nothing_is_saved(
    svc: DigestService, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        svc.build_emailing(**kwargs)  # type: ignore[arg-type]
    assert svc.all() == []


def test_hand_picked_and_text_only_emailings(db: Database, clock: FrozenClock, svc: DigestService) -> None:
    a, b = _add(db, clock, "A"), _add(db, clock, "B")
    picked = svc.build_emailing(item_ids=[b, a], subject="Deux appels")
    assert [e.item_id for e in picked.entries] == [b, a]
    text = svc.build_emailing(text="AG le 5 décembre", subject="Invitation à l'AG")
    assert text.entries == [] and text.editorial == "AG le 5 décembre"


def test_segments_and_renders_for_subscribers(db: Database, clock: FrozenClock, svc: DigestService) -> None:
    _add(db, clock, "Appel ECSI", tags=["ecsi"], deadline=date(2027, 1, 1))
    _add(db, clock, "Offre d'emploi", ItemKind.JOB)
    clock.advance(timedelta(minutes=1))
    issue = svc.build_newsletter()
    assert issue.id is not None
    _subscribe(db, 1)
    _subscribe(db, 2, kinds=[ItemKind.JOB])
    _subscribe(db, 3, kinds=[ItemKind.TRAINING])  # nothing for them
    _subscribe(db, 4, status=SubscriberStatus.PENDING)
    segs = svc.segments(issue.id)
    assert sorted(len(s.item_ids) for s in segs) == [1, 2]
    rendered = svc.render_segments(issue.id)
    assert {r.key for _, r in rendered} == {s.key for s in segs}
    mine = svc.render_for(issue.id, "abonne2@exemple.fr")
    assert "Offre d" in mine.text and "Appel ECSI" not in mine.text
    assert str(Placeholder.UNSUBSCRIBE_URL) in mine.html
    assert svc.render_segment(issue.id, mine.key).html == mine.html
    with pytest.raises(InvalidInput, match="has nothing for"):
        svc.render_for(issue.id, "abonne3@exemple.fr")
    with pytest.raises(NotFound):
        svc.render_for(issue.id, "inconnu@exemple.fr")
    with pytest.raises(NotFound, match="no segment"):
        svc.render_segment(issue.id, "0000")
    public = svc.render_public(issue.id)
    assert "RELAISx" not in public.html and f"https://relais.resacoop.example/archives/{issue.id}" in public.html


def test_approval_needs_an_audience_and_clean_html(db: Database, clock: FrozenClock, svc: DigestService) -> None:
    _add(db, clock, "Appel", deadline=date(2027, 1, 1))
    clock.advance(timedelta(minutes=1))
    issue = svc.build_newsletter()
    assert issue.id is not None
    with pytest.raises(InvalidInput, match="no subscriber would receive anything"):
        svc.approve(issue.id)
    _subscribe(db, 1)
    approved = svc.approve(issue.id)
    assert approved.status == IssueStatus.SCHEDULED and approved.scheduled_at == clock.now()
    with pytest.raises(InvalidInput, match="only a draft can be approved"):
        svc.approve(issue.id)
    with pytest.raises(InvalidInput, match="only a draft can be edited"):
        svc.set_subject(issue.id, "Nouveau sujet")
    assert svc.back_to_draft(issue.id).status == IssueStatus.DRAFT


def test_approval_refuses_links_to_this_machine(db: Database, clock: FrozenClock, svc: DigestService) -> None:
    _add(db, clock, "Lien local", url="http://127.0.0.1:8000/appel")
    _subscribe(db, 1)
    issue = svc.build_emailing(item_ids=[1], subject="Test")
    assert issue.id is not None
    with pytest.raises(InvalidInput, match="localhost: link to this machine"):
        svc.approve(issue.id)
    assert svc.get(issue.id).status == IssueStatus.DRAFT


def test_approval_refuses_items_that_closed_since_the_draft(
    db: Database, clock: FrozenClock, svc: DigestService
) -> None:
    soon = _add(db, clock, "Bientôt clos", deadline=clock.now().date() + timedelta(days=2))
    _add(db, clock, "Ouvert", deadline=date(2027, 6, 1))
    _subscribe(db, 1)
    clock.advance(timedelta(minutes=1))
    issue = svc.build_newsletter()
    assert issue.id is not None
    clock.advance(timedelta(days=5))
    with pytest.raises(InvalidInput, match=f"item\\(s\\) {soon} closed"):
        svc.approve(issue.id)
    svc.remove_item(issue.id, soon)
    assert svc.approve(issue.id).status == IssueStatus.SCHEDULED
