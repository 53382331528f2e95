"""Networks in the database, and the storage scoped by network: a repository of one network neither reads nor
changes another network's subscribers, consent log, suppressions, bounces, issues, proposals or alert editions,
whatever id or address it is given, and an issue's ledger is frozen for its own network. On both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import NotFound
from core.model import (
    BounceKind,
    ConsentAction,
    ConsentOrigin,
    Issue,
    IssueKind,
    IssueStatus,
    Preferences,
    Proposal,
    Subscriber,
    SubscriberStatus,
)
from storage.alerts import AlertRepository
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.issues import IssueRepository
from storage.networks import FIRST_NETWORK, Declared, NetworkRepository
from storage.proposals import ProposalRepository
from storage.subscribers import SubscriberRepository, email_hash

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
SAME = "contact@asso-partagee.example.org"  # a member of both networks
NEWS = IssueKind.NEWSLETTER


def two_networks(db: Database) -> tuple[int, int]:
    with db.session() as s:
        ids = NetworkRepository(s).sync([Declared("resacoop", "RESACOOP"), Declared("centraider", "Centraider")], T0)
    return ids["resacoop"], ids["centraider"]


def test_the_first_declared_network_takes_over_the_database_as_it_was(db: Database) -> None:
    with db.session() as s:
        assert NetworkRepository(s).ids() == {"principal": FIRST_NETWORK}
    a, b = two_networks(db)
    assert a == FIRST_NETWORK and b != a
    with db.session() as s:  # again: nothing new, names follow the config, ids never change
        repo = NetworkRepository(s)
        again = repo.sync([Declared("resacoop", "RESACOOP AURA"), Declared("centraider", "Centraider")], T0)
        assert again == {"resacoop": a, "centraider": b}
        # A third network declared first later does not take row 1 from the network that has it.
        assert repo.sync([Declared("cap-coop", "Cap Coopération")], T0)["resacoop"] == a
        assert len(repo.ids()) == 3


@pytest.fixture
def world(db: Database) -> tuple[Database, int, int, int, int]:
    """Two networks, the same address subscribed to each, and one more subscriber in the second."""
    a, b = two_networks(db)
    with db.session() as s:
        in_a = SubscriberRepository(s, a).save(
            Subscriber(email=SAME, status=SubscriberStatus.CONFIRMED, created_at=T0 - timedelta(days=30))
        )
        in_b = SubscriberRepository(s, b).save(
            Subscriber(
                email=SAME,
                status=SubscriberStatus.CONFIRMED,
                preferences=Preferences(themes=["eau"]),
                created_at=T0 - timedelta(days=30),
            )
        )
        SubscriberRepository(s, b).save(
            Subscriber(email="attente@centre.example.org", created_at=T0 - timedelta(days=30))
        )
        for repo, sub in ((SubscriberRepository(s, a), in_a), (SubscriberRepository(s, b), in_b)):
            repo.log(sub, ConsentAction.CONFIRM, ConsentOrigin.LINK, T0)
            repo.add_bounce(sub.id, BounceKind.SOFT, "smtp", f"boîte pleine ({repo.network})", T0)
    assert in_a.id is not None and in_b.id is not None
    return db, a, b, in_a.id, in_b.id


def test_one_address_two_networks_two_subscribers(world: tuple[Database, int, int, int, int]) -> None:
    db, a, b, id_a, id_b = world
    assert id_a != id_b
    with db.session() as s:
        ra, rb = SubscriberRepository(s, a), SubscriberRepository(s, b)
        assert ra.by_email(SAME) is not None and ra.by_email(SAME).id == id_a  # type: ignore[union-attr]
        assert rb.by_email(SAME).id == id_b  # type: ignore[union-attr]
        assert [x.id for x in ra.find()] == [id_a]
        assert {x.email for x in rb.find()} == {SAME, "attente@centre.example.org"}
        assert ra.existing_emails() == {SAME}
        assert ra.count_segment({}, None) == 1 and rb.count_segment({}, None) == 1
        assert ra.count_segment({"themes": ["eau"]}, None) == 1  # chose nothing: everything
        assert [x.email for x in rb.pending_created_before(T0)] == ["attente@centre.example.org"]
        assert ra.pending_created_before(T0) == []


def test_another_networks_subscriber_is_not_found_by_id(world: tuple[Database, int, int, int, int]) -> None:
    db, a, _, id_a, id_b = world
    with db.session() as s:
        ra = SubscriberRepository(s, a)
        with pytest.raises(NotFound):
            ra.get(id_b)
        assert ra.with_token_version(id_b) is None
        assert ra.token_version(id_b) is None
        assert ra.identity(id_b) is None
        assert ra.identities([id_a, id_b]) == {id_a: (0, SAME)}
        assert ra.consent_events(id_b) == []
        assert [e["action"] for e in ra.consent_events(id_a)] == ["confirm"]
        assert [bounce["detail"] for bounce in ra.bounces(id_b)] == []
        assert [bounce["detail"] for bounce in ra.bounces(id_a)] == [f"boîte pleine ({a})"]


def test_another_networks_subscriber_cannot_be_changed(world: tuple[Database, int, int, int, int]) -> None:
    db, a, b, id_a, id_b = world
    with db.session() as s:
        ra = SubscriberRepository(s, a)
        assert ra.unsubscribe_everything(id_b, 0, T0) is None
        theirs = SubscriberRepository(s, b).get(id_b)
        theirs.status = SubscriberStatus.UNSUBSCRIBED
        assert ra.save_if_link_holds(theirs, 0) is False
        with pytest.raises(NotFound):
            ra.save(theirs)  # an id of the other network: not written, not inserted as new either
        ra.bump_token_version(id_b)
        ra.delete(id_b)
    with db.session() as s:
        kept = SubscriberRepository(s, b).with_token_version(id_b)
        assert kept is not None
        sub, version = kept
        assert (sub.status, version) == (SubscriberStatus.CONFIRMED, 0)
        # and their own network's repository still can
        assert SubscriberRepository(s, b).unsubscribe_everything(id_b, 0, T0) is not None
        assert SubscriberRepository(s, a).get(id_a).status == SubscriberStatus.CONFIRMED


def test_suppressions_are_each_networks_own(world: tuple[Database, int, int, int, int]) -> None:
    db, a, b, _, _ = world
    with db.session() as s:
        ra, rb = SubscriberRepository(s, a), SubscriberRepository(s, b)
        ra.suppress(SAME, "admin", T0)
        assert ra.is_suppressed(SAME) and ra.suppression_reason(SAME) == "admin"
        assert not rb.is_suppressed(SAME) and rb.suppressed_hashes() == set()
        rb.suppress(SAME, "complaint", T0)  # its own row, the first network's reason unchanged
        assert ra.suppression_reason(SAME) == "admin" and rb.suppression_reason(SAME) == "complaint"
        rb.lift_suppression(SAME)
        assert ra.is_suppressed(SAME) and not rb.is_suppressed(SAME)


def test_bulk_inserts_and_consent_go_to_the_repositorys_network(world: tuple[Database, int, int, int, int]) -> None:
    db, a, b, _, _ = world
    with db.session() as s:
        rb = SubscriberRepository(s, b)
        ids = rb.insert_many([Subscriber(email=SAME + ".import", status=SubscriberStatus.CONFIRMED)])
        new = rb.get(ids[SAME + ".import"])
        rb.log_many(
            [
                {
                    "subscriber_id": new.id,
                    "email_hash": "h" * 64,
                    "at": T0,
                    "action": "import",
                    "origin": "import",
                    "details": {},
                }
            ]
        )
        ra = SubscriberRepository(s, a)
        assert ra.by_email(SAME + ".import") is None
        with pytest.raises(NotFound):
            ra.get(ids[SAME + ".import"])
        assert rb.consent_events_by_hash("h" * 64) == ["import"]
        assert ra.consent_events_by_hash("h" * 64) == []


def test_issues_are_each_networks_own_and_numbered_per_network(world: tuple[Database, int, int, int, int]) -> None:
    db, a, b, _, _ = world
    with db.session() as s:
        ia, ib = IssueRepository(s, a), IssueRepository(s, b)
        mine = ia.save(Issue(IssueKind.NEWSLETTER, "RESA'CLIC n°1", "RESA'CLIC n°1", number=ia.next_number(NEWS)))
        theirs = ib.save(Issue(IssueKind.NEWSLETTER, "La lettre n°1", "La lettre n°1", number=ib.next_number(NEWS)))
        assert mine.number == theirs.number == 1  # each network counts its own newsletters
        assert mine.id is not None and theirs.id is not None
        other = theirs.id
        assert [i.id for i in ia.find()] == [mine.id]
        assert ia.next_number(NEWS) == 2
        for refused in (
            lambda: ia.get(other),
            lambda: ia.set_status(other, IssueStatus.CANCELLED),
            lambda: ia.delete_draft(other),
            lambda: ia.save(Issue(IssueKind.NEWSLETTER, "repris", "repris", id=other)),
        ):
            with pytest.raises(NotFound):
                refused()
        assert ib.get(theirs.id).title == "La lettre n°1" and ib.get(theirs.id).status == IssueStatus.DRAFT
        assert ia.previous_created_at(NEWS) is None and ib.previous_created_at(NEWS) is None  # no created_at given


def test_an_issue_is_frozen_for_its_own_networks_subscribers(world: tuple[Database, int, int, int, int]) -> None:
    """The ledger follows the issue: its network's confirmed subscribers and suppressions, never the other's."""
    db, a, b, id_a, id_b = world
    with db.session() as s:
        theirs = IssueRepository(s, b).save(Issue(IssueKind.EMAILING, "Appel", "Appel"))
        mine = IssueRepository(s, a).save(Issue(IssueKind.EMAILING, "Appel", "Appel"))
        SubscriberRepository(s, a).suppress("ailleurs@example.org", "admin", T0)
        ledger = DeliveryRepository(s)  # whoever asks, the issue decides
        assert [x.id for x in ledger.confirmed_subscribers(theirs.id or 0)] == [id_b]
        assert [x.id for x in ledger.confirmed_subscribers(mine.id or 0)] == [id_a]
        assert ledger.suppressed_hashes(theirs.id or 0) == set()
        assert ledger.suppressed_hashes(mine.id or 0) == {email_hash("ailleurs@example.org")}
        # The audience that segments, alerts and last calls read: each network's own confirmed subscribers.
        assert [x.id for x in SubscriberRepository(s, a).audience()] == [id_a]
        assert [x.id for x in SubscriberRepository(s, b).audience()] == [id_b]


def test_proposals_and_alert_editions_are_each_networks_own(world: tuple[Database, int, int, int, int]) -> None:
    db, a, b, _, _ = world
    with db.session() as s:
        pa, pb = ProposalRepository(s, a), ProposalRepository(s, b)
        proposal = pb.save(Proposal(email="membre@centre.example.org", organisation="Asso du Centre", created_at=T0))
        assert proposal.id is not None
        pid = proposal.id
        with pytest.raises(NotFound):
            pa.get(pid)
        with pytest.raises(NotFound):
            pa.lock(pid)
        assert pa.pending_before(T0 + timedelta(days=1)) == []
        assert [p.id for p in pb.pending_before(T0 + timedelta(days=1))] == [proposal.id]
        pa.delete([proposal.id])
        assert pb.get(proposal.id).organisation == "Asso du Centre"
        edition = IssueRepository(s, b).save(Issue(IssueKind.ALERT, "Alerte", "Alerte", audience={"day": "2026-11-02"}))
        assert AlertRepository(s, b).edition_of("2026-11-02") == edition.id
        assert AlertRepository(s, a).edition_of("2026-11-02") is None
