"""Links for a batch being sent: identities loaded in one query, and an erasure meanwhile still voids them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from core.clock import FrozenClock
from core.model import Stream, Subscriber, SubscriberStatus
from storage.database import Database
from storage.subscribers import SubscriberRepository, email_hash
from subscribers.links import MANAGE, UNSUBSCRIBE, Identity, InvalidLink, SubscriberLinks
from subscribers.service import identity_bulk, identity_lookup


class CountingPeople:
    """Identities by id, counting how often they are read one by one and in bulk."""

    def __init__(self, n: int) -> None:
        self.known = {i: Identity(0, email_hash(f"p{i}@exemple.fr")) for i in range(1, n + 1)}
        self.single = 0
        self.bulk: list[list[int]] = []

    def one(self, subscriber_id: int) -> Identity | None:
        self.single += 1
        return self.known.get(subscriber_id)

    def many(self, ids: Sequence[int]) -> dict[int, Identity]:
        self.bulk.append(list(ids))
        return {i: self.known[i] for i in ids if i in self.known}


def make_links(people: CountingPeople, clock: FrozenClock) -> SubscriberLinks:
    return SubscriberLinks(
        "secret-" + "k" * 40, "https://lettre.example.org", people.one, clock,
        confirm_within=timedelta(hours=72), mailto_address="lettre@example.org", identities=people.many,
    )  # fmt: skip


def test_a_prepared_batch_reads_identities_once(clock: FrozenClock) -> None:
    people = CountingPeople(50)
    links = make_links(people, clock)
    links.prepare(range(1, 51))
    for sid in range(1, 51):
        links.unsubscribe_url(sid, Stream.NEWSLETTER)
        links.preferences_url(sid)
        links.unsubscribe_mailto(sid, Stream.NEWSLETTER)
    assert people.bulk == [list(range(1, 51))]
    assert people.single == 0
    # the batch's links are the same links as without the cache, and they verify
    claims = links.verify(MANAGE, links.preferences_url(7).rsplit("/", 1)[1])
    assert claims.subscriber_id == 7
    assert people.single == 1  # verify always reads the current identity


def test_the_url_and_the_mailto_carry_the_same_unsubscribe_token(clock: FrozenClock) -> None:
    links = make_links(CountingPeople(3), clock)
    links.prepare([2])
    url = links.unsubscribe_url(2, Stream.EMAILING)
    assert url.rsplit("/", 1)[1] in links.unsubscribe_mailto(2, Stream.EMAILING).replace("%20", " ")


def test_someone_outside_the_batch_is_read_on_demand(clock: FrozenClock) -> None:
    people = CountingPeople(3)
    links = make_links(people, clock)
    links.prepare([1])
    links.preferences_url(3)
    assert people.single == 1


def test_an_erasure_during_the_batch_voids_the_link_made_from_the_loaded_version(clock: FrozenClock) -> None:
    people = CountingPeople(2)
    links = make_links(people, clock)
    links.prepare([1, 2])
    people.known[1] = Identity(1, people.known[1].email_hash)  # erased: token_version bumped mid-send
    url = links.unsubscribe_url(1, Stream.NEWSLETTER)  # made from the version loaded at batch start
    with pytest.raises(InvalidLink, match="plus valable"):
        links.verify(UNSUBSCRIBE, url.rsplit("/", 1)[1])
    links.prepare([1, 2])  # the next batch loads the new version
    fresh = links.unsubscribe_url(1, Stream.NEWSLETTER)
    assert links.verify(UNSUBSCRIBE, fresh.rsplit("/", 1)[1]).subscriber_id == 1


def test_the_bulk_lookup_reads_the_database(db: Database, clock: FrozenClock) -> None:
    with db.session() as s:
        repo = SubscriberRepository(s)
        ids = []
        for i in range(3):
            sid = repo.save(Subscriber(email=f"m{i}@asso.fr", status=SubscriberStatus.CONFIRMED)).id
            assert sid is not None
            ids.append(sid)
        repo.bump_token_version(ids[1])
    found = identity_bulk(db)([*ids, 999_999])
    assert found == {sid: identity_lookup(db)(sid) for sid in ids}
    assert found[ids[1]].token_version == 1
