"""The shared watch: a source is fetched and parsed once, and each network that follows it stores it in its own rows,
triaged on its own; an item of another region is not offered; a network's private source goes to it alone; an item
one network approved shows as « déjà relayé » to the others. On both engines."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from core.model import ItemStatus, Source
from storage.database import Database
from storage.items import ItemRepository
from storage.networks import Declared, NetworkRepository
from storage.sources import SourceRepository
from tests.watch.helpers import REF, source
from tests.watch.test_store import entry, saved
from watch.store import Follower, Job, Stored, store_for_networks


def titles(db: Database, network: int) -> set[str]:
    with db.for_network(network).session() as s:
        return {i.title for i in ItemRepository(s).find()}


def test_each_network_stores_its_own_rows_of_what_it_follows(db: Database) -> None:
    with db.session() as s:
        ids = NetworkRepository(s).sync([Declared("resacoop", "RESACOOP"), Declared("centraider", "Centraider")], REF)
    a, b = ids["resacoop"], ids["centraider"]
    followers = [Follower(a, frozenset({"69", "38"})), Follower(b, frozenset({"45", "37"}))]
    shared, private = saved(db, source(name="agence"), source(name="ville-orleans"))
    private = dataclasses.replace(private, network_id=b)
    with db.session() as s:
        SourceRepository(s).save(private)

    everywhere = entry(shared, "e1", "Appel national à projets ECSI", date(2027, 3, 1))
    lyon = entry(shared, "e2", "Forum des solidarités à Lyon", date(2027, 3, 2))
    lyon.item.tags.append("69")
    orleans = entry(shared, "e3", "Festisol à Orléans", date(2027, 3, 3))
    orleans.item.tags.append("45")
    local = entry(private, "p1", "Permanence de la ville d'Orléans", date(2027, 3, 4))
    jobs = [Job(shared, [everywhere, lyon, orleans], REF), Job(private, [local], REF)]

    results = store_for_networks(db, jobs, followers)
    assert [r.new if isinstance(r, Stored) else r for r in results] == [4, 1]  # 2 rows in each network, 1 in B
    assert titles(db, a) == {"Appel national à projets ECSI", "Forum des solidarités à Lyon"}
    assert titles(db, b) == {"Appel national à projets ECSI", "Festisol à Orléans", "Permanence de la ville d'Orléans"}

    # Seen again unchanged: nothing new anywhere, no duplicate in either network.
    again = store_for_networks(db, [Job(shared, [everywhere, lyon, orleans], REF + timedelta(hours=6))], followers)
    assert isinstance(again[0], Stored) and again[0].new == 0 and again[0].unchanged == 4
    assert len(titles(db, a)) == 2 and len(titles(db, b)) == 3

    # Each network triages its own row: B approves the national call, A has not decided yet and is told.
    with db.for_network(b).session() as s:
        repo = ItemRepository(s)
        (theirs,) = [i for i in repo.find() if i.title.startswith("Appel national")]
        theirs.status = ItemStatus.APPROVED
        repo.update(theirs)
    with db.for_network(a).session() as s:
        repo = ItemRepository(s)
        by_title = {i.title: i for i in repo.find()}
        mine = by_title["Appel national à projets ECSI"]
        assert mine.status is ItemStatus.NEW and mine.id != theirs.id
        relayed = repo.relayed_elsewhere([i.id for i in by_title.values() if i.id is not None])
        assert relayed == {mine.id: ["Centraider"]}
        assert repo.get_many([theirs.id or 0]) == {}  # B's row is not A's to read


def test_one_network_stores_as_before(db: Database) -> None:
    (src,) = saved(db, source(name="agence"))
    one = entry(src, "e1", "Appel à projets", date(2027, 3, 1))
    [result] = store_for_networks(db, [Job(src, [one], REF)], [])
    assert isinstance(result, Stored) and result.new == 1
    assert titles(db, 1) == {"Appel à projets"}


def test_a_private_source_of_another_network_is_not_stored_here(db: Database) -> None:
    with db.session() as s:
        ids = NetworkRepository(s).sync([Declared("resacoop", "RESACOOP"), Declared("centraider", "Centraider")], REF)
    (src,) = saved(db, source(name="ville"))
    theirs: Source = dataclasses.replace(src, network_id=ids["centraider"])
    [result] = store_for_networks(
        db, [Job(theirs, [entry(theirs, "x", "Réunion locale")], REF)], [Follower(ids["resacoop"])]
    )
    assert isinstance(result, Stored) and result.new == 0
    assert titles(db, ids["resacoop"]) == set()
