"""Key figures with several networks: each network's figures count its own rows only; the national view adds the
networks up, a shared entry that several networks published counted once among the items, and one address
subscribed to two networks counted as the two subscriptions it is. On both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.model import (
    ConsentAction,
    ConsentOrigin,
    Issue,
    IssueEntry,
    IssueKind,
    IssueStatus,
    ItemStatus,
    Subscriber,
    SubscriberStatus,
)
from core.settings import TaxonomySettings
from figures.compute import compute_key_figures
from figures.period import year
from storage.database import Database
from storage.issues import IssueRepository
from storage.items import ItemRepository
from storage.networks import Declared, NetworkRepository
from storage.subscribers import SubscriberRepository
from tests.watch.helpers import source
from tests.watch.test_store import entry, saved
from watch.store import Follower, Job, store_for_networks

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SAME = "membre@deux-reseaux.example.org"


def publish_all(db: Database, network: int, title: str) -> None:
    """Approve every item of the network and send one emailing holding them all, to one subscriber."""
    with db.for_network(network).session() as s:
        items = ItemRepository(s)
        ids = []
        for item in items.find():
            item.status, item.approved_at = ItemStatus.APPROVED, T0
            items.update(item)
            ids.append(item.id or 0)
        entries = [IssueEntry(i, "appels", n) for n, i in enumerate(ids)]
        IssueRepository(s).save(
            Issue(IssueKind.EMAILING, title, title, status=IssueStatus.SENT, sent_at=T0, entries=entries)
        )
        subscribers = SubscriberRepository(s)
        sub = subscribers.save(Subscriber(SAME, SubscriberStatus.CONFIRMED, created_at=T0))
        subscribers.log(sub, ConsentAction.CONFIRM, ConsentOrigin.LINK, T0)


def test_each_network_its_own_figures_and_the_nation_without_double_counting(db: Database) -> None:
    with db.session() as s:
        ids = NetworkRepository(s).sync([Declared("resacoop", "RESACOOP"), Declared("centraider", "Centraider")], T0)
    a, b = ids["resacoop"], ids["centraider"]
    shared, own = saved(db, source(name="agence"), source(name="lyon"))
    national_call = entry(shared, "n1", "Appel national", date(2026, 6, 1))
    lyon = entry(own, "l1", "Forum à Lyon", date(2026, 6, 2))
    for e in (national_call, lyon):
        e.item.collected_at = T0 - timedelta(days=1)
    store_for_networks(db, [Job(shared, [national_call], T0)], [Follower(a), Follower(b)])
    store_for_networks(db, [Job(own, [lyon], T0)], [Follower(a)])
    publish_all(db, a, "Lettre RESACOOP")
    publish_all(db, b, "Lettre Centraider")

    taxonomy = TaxonomySettings()
    mine = compute_key_figures(db.for_network(a), year(2026), taxonomy)
    theirs = compute_key_figures(db.for_network(b), year(2026), taxonomy)
    nation = compute_key_figures(db, year(2026), taxonomy, national=True)

    assert (sum(mine.items.collected.values()), sum(theirs.items.collected.values())) == (2, 1)
    assert sum(nation.items.collected.values()) == 2  # the national call once, not once per network
    assert (sum(mine.items.published.values()), sum(theirs.items.published.values())) == (2, 1)
    assert sum(nation.items.published.values()) == 2
    assert (mine.sends.emailings, theirs.sends.emailings, nation.sends.emailings) == (1, 1, 2)
    assert (mine.audience.subscribers_end, theirs.audience.subscribers_end) == (1, 1)
    assert nation.audience.subscribers_end == 2  # one person, two subscriptions
    # Without national, the deployment's rows are counted as they are: each network's row of the call.
    assert sum(compute_key_figures(db, year(2026), taxonomy).items.collected.values()) == 3
