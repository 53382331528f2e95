"""The Curator against a real database: every change stored and logged with who and when; refusals store nothing."""

from __future__ import annotations

import pytest

from core.clock import FrozenClock
from core.errors import InvalidInput
from core.model import ItemAction, ItemStatus
from curation.actions import Curator
from curation.validate import FieldErrors, Taxonomy
from storage.database import Database
from storage.items import ItemRepository
from tests.seed import TAXONOMY, seed

ED = "editrice@example.org"


@pytest.fixture
def curator(db: Database, clock: FrozenClock) -> Curator:
    return Curator(db, clock, Taxonomy.from_settings(TAXONOMY))


def test_bulk_approval_reports_per_item(curator: Curator, db: Database, clock: FrozenClock) -> None:
    ids = seed(db, clock.now())
    curator.archive([ids[0]], actor=ED)
    result = curator.approve([ids[1], ids[0], 9999, ids[1]], actor=ED)
    assert result.done == [ids[1]]
    assert set(result.refused) == {ids[0], 9999}
    assert "introuvable" in result.refused[9999]
    with db.session() as s:
        repo = ItemRepository(s)
        assert repo.get(ids[1]).status is ItemStatus.APPROVED
        assert repo.get(ids[1]).approved_by == ED
        events = repo.events(ids[1])
    assert [(e["actor"], e["action"], e["at"]) for e in events] == [(ED, str(ItemAction.APPROVED), clock.now())]


def test_approve_all_new(curator: Curator, db: Database, clock: FrozenClock) -> None:
    ids = seed(db, clock.now())
    curator.reject([ids[2]], actor=ED)
    result = curator.approve_all_new(actor="cli:test")
    assert sorted(result.done) == sorted(set(ids) - {ids[2]})


def test_an_invalid_edit_stores_nothing(curator: Curator, db: Database, clock: FrozenClock) -> None:
    ids = seed(db, clock.now())
    with pytest.raises(FieldErrors):
        curator.edit(ids[0], {"title": "Nouveau", "deadline": "hier"}, actor=ED)
    with db.session() as s:
        repo = ItemRepository(s)
        assert repo.get(ids[0]).title.startswith("Fonds régional")
        assert repo.events(ids[0]) == []


def test_edit_tag_feature_note_are_logged(curator: Curator, db: Database, clock: FrozenClock) -> None:
    ids = seed(db, clock.now())
    curator.edit(ids[0], {"title": "Fonds régional 2027 : appel ouvert", "featured": "1"}, actor=ED)
    curator.tag(ids[0], add=["afrique", "eau"], remove=["associations"], actor=ED)
    curator.note(ids[0], "Vérifier le montant plafond", actor=ED)
    with pytest.raises(InvalidInput):
        curator.tag(ids[0], add=["inconnu"], actor=ED)
    with db.session() as s:
        repo = ItemRepository(s)
        it = repo.get(ids[0])
        actions = [e["action"] for e in repo.events(ids[0])]
    assert it.title == "Fonds régional 2027 : appel ouvert" and it.featured
    assert it.tags == ["69", "afrique", "eau"] and it.suggested_tags == []  # its département stays
    assert it.editor_note == "Vérifier le montant plafond"
    assert actions == ["edited", "tagged", "edited"]
