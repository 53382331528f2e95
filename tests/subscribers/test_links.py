"""Personal links: signed, bound to the subscriber's current version and address, confirmation links expire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import FrozenClock
from core.model import Stream
from storage.subscribers import email_hash
from subscribers.links import CONFIRM, MANAGE, UNSUBSCRIBE, Identity, InvalidLink, SubscriberLinks


class People:
    def __init__(self) -> None:
        self.known = {1: Identity(0, email_hash("alice@exemple.fr"))}

    def __call__(self, subscriber_id: int) -> Identity | None:
        return self.known.get(subscriber_id)


@pytest.fixture
def people() -> People:
    return People()


@pytest.fixture
def links(people: People, clock: FrozenClock) -> SubscriberLinks:
    return SubscriberLinks(
        "secret-" + "k" * 40, "https://lettre.example.org/", people, clock,
        confirm_within=timedelta(hours=72), mailto_address="lettre@example.org",
    )  # fmt: skip


def token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_links_are_https_under_the_base_url_and_round_trip(links: SubscriberLinks) -> None:
    url = links.unsubscribe_url(1, Stream.EMAILING)
    assert url.startswith("https://lettre.example.org/unsubscribe/")
    claims = links.verify(UNSUBSCRIBE, token(url))
    assert claims.subscriber_id == 1 and claims.stream == Stream.EMAILING
    assert links.verify(MANAGE, token(links.preferences_url(1))).stream is None


def test_a_link_for_one_purpose_does_not_open_another(links: SubscriberLinks) -> None:
    with pytest.raises(InvalidLink):
        links.verify(MANAGE, token(links.unsubscribe_url(1)))


@pytest.mark.parametrize("tampered", ["", "abc", "not.a.token", "W1swXQ.forged"])
def test_forged_tokens_are_refused(links: SubscriberLinks, tampered: str) -> None:
    with pytest.raises(InvalidLink, match="pas valide"):
        links.verify(MANAGE, tampered)


def test_a_token_signed_with_another_key_is_refused(links: SubscriberLinks, people: People, clock: FrozenClock) -> None:
    other = SubscriberLinks("another-" + "k" * 40, "https://x.example", people, clock)
    with pytest.raises(InvalidLink):
        links.verify(MANAGE, token(other.preferences_url(1)))


def test_confirmation_links_expire(links: SubscriberLinks, clock: FrozenClock) -> None:
    url = links.confirm_url(1, {"preferences": {"themes": ["eau"]}})
    clock.advance(timedelta(hours=71))
    assert links.verify(CONFIRM, token(url)).data == {"preferences": {"themes": ["eau"]}}
    clock.advance(timedelta(hours=2))
    with pytest.raises(InvalidLink, match="expiré"):
        links.verify(CONFIRM, token(url))


def test_unsubscribe_links_do_not_expire(links: SubscriberLinks, clock: FrozenClock) -> None:
    url = links.unsubscribe_url(1)
    clock.advance(timedelta(days=800))
    assert links.verify(UNSUBSCRIBE, token(url)).subscriber_id == 1


def test_bumping_the_version_voids_every_link(links: SubscriberLinks, people: People) -> None:
    url = links.preferences_url(1)
    people.known[1] = Identity(1, people.known[1].email_hash)
    with pytest.raises(InvalidLink, match="plus valable"):
        links.verify(MANAGE, token(url))


def test_a_reused_id_does_not_open_the_new_owners_pages(links: SubscriberLinks, people: People) -> None:
    url = links.preferences_url(1)
    people.known[1] = Identity(0, email_hash("bob@exemple.fr"))  # erased, then the id went to someone else
    with pytest.raises(InvalidLink):
        links.verify(MANAGE, token(url))


def test_mailto_carries_a_token(links: SubscriberLinks) -> None:
    mailto = links.unsubscribe_mailto(1, Stream.NEWSLETTER)
    assert mailto.startswith("mailto:lettre@example.org?subject=unsubscribe%20")
