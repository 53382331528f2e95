"""Preferences centre, unsubscribe per stream or everything, export and erasure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.errors import InvalidInput
from core.model import Stream, Subscriber, SubscriberStatus
from storage.database import Database
from storage.subscribers import SubscriberRepository, email_hash
from subscribers.importer import import_csv
from subscribers.kit import SubscriberKit
from subscribers.links import InvalidLink
from subscribers.service import SignupForm

Token = Callable[[str], str]


@pytest.fixture
def alice(kit: SubscriberKit, mailer: Any, token_of: Token) -> Subscriber:
    kit.service.signup(SignupForm(email="alice@exemple.fr", preferences={"themes": ["eau"]}))
    return kit.service.confirm(token_of(mailer.last("confirm").links["confirm"]))


def manage(kit: SubscriberKit, sub: Subscriber, token_of: Token) -> str:
    assert sub.id is not None
    return token_of(kit.links.preferences_url(sub.id))


def unsub(kit: SubscriberKit, sub: Subscriber, token_of: Token, stream: Stream | None = None) -> str:
    assert sub.id is not None
    return token_of(kit.links.unsubscribe_url(sub.id, stream))


def reload(db: Database, sub: Subscriber) -> Subscriber:
    assert sub.id is not None
    with db.session() as s:
        return SubscriberRepository(s).get(sub.id)


def test_preferences_apply_at_once_and_are_logged(kit: SubscriberKit, db: Database, alice: Subscriber,
                                                  mailer: Any, token_of: Token) -> None:  # fmt: skip
    kit.service.update_preferences(
        manage(kit, alice, token_of), {"themes": ["sante", "climat"], "territories": ["38"], "streams": ["newsletter"]},
        name="Alice M.", organisation_type="education", ip="192.0.2.3",
    )  # fmt: skip
    now = reload(db, alice)
    assert now.preferences.themes == ["sante", "climat"] and now.preferences.streams == [Stream.NEWSLETTER]
    assert now.name == "Alice M." and now.organisation_type == "education"
    assert mailer.kinds()[-1] == "preferences"
    assert alice.id is not None
    with db.session() as s:
        last = SubscriberRepository(s).consent_events(alice.id)[-1]
    assert last["action"] == "preferences" and last["details"]["before"]["themes"] == ["eau"]


def test_bad_preferences_change_nothing(kit: SubscriberKit, db: Database, alice: Subscriber, token_of: Token) -> None:
    with pytest.raises(InvalidInput):
        kit.service.update_preferences(manage(kit, alice, token_of), {"themes": ["inconnu"]})
    assert reload(db, alice).preferences.themes == ["eau"]


def test_unsubscribe_from_one_stream_then_the_other(kit: SubscriberKit, db: Database, alice: Subscriber,
                                                    mailer: Any, token_of: Token) -> None:  # fmt: skip
    kit.service.unsubscribe(unsub(kit, alice, token_of, Stream.EMAILING), one_click=True)
    now = reload(db, alice)
    assert now.status == SubscriberStatus.CONFIRMED and now.preferences.streams == [Stream.NEWSLETTER]
    kit.service.unsubscribe(unsub(kit, alice, token_of, Stream.NEWSLETTER), one_click=True)
    assert reload(db, alice).status == SubscriberStatus.UNSUBSCRIBED
    assert "goodbye" not in mailer.kinds()  # one-click: the mail client acted, no email back


def test_unsubscribe_everything_is_idempotent(kit: SubscriberKit, db: Database, alice: Subscriber,
                                              mailer: Any, token_of: Token) -> None:  # fmt: skip
    token = unsub(kit, alice, token_of)
    for _ in range(3):
        kit.service.unsubscribe(token, everything=True)
    assert reload(db, alice).status == SubscriberStatus.UNSUBSCRIBED
    assert mailer.kinds().count("goodbye") == 1
    with db.session() as s:
        actions = SubscriberRepository(s).consent_events_by_hash(email_hash("alice@exemple.fr"))
    assert actions.count("unsubscribe") == 1


def test_coming_back_needs_a_confirmed_link(kit: SubscriberKit, db: Database, alice: Subscriber,
                                            mailer: Any, token_of: Token) -> None:  # fmt: skip
    kit.service.unsubscribe(unsub(kit, alice, token_of), everything=True)
    kit.service.signup(SignupForm(email="alice@exemple.fr"))
    assert reload(db, alice).status == SubscriberStatus.UNSUBSCRIBED
    kit.service.confirm(token_of(mailer.last("confirm").links["confirm"]))
    assert reload(db, alice).status == SubscriberStatus.CONFIRMED


def test_forged_token_changes_nothing(kit: SubscriberKit, db: Database, alice: Subscriber, token_of: Token) -> None:
    good = unsub(kit, alice, token_of)
    with pytest.raises(InvalidLink):
        kit.service.unsubscribe(good[:-3] + "abc", everything=True)
    assert reload(db, alice).status == SubscriberStatus.CONFIRMED


def test_export_holds_the_subscriber_and_the_consent_log(kit: SubscriberKit, alice: Subscriber,
                                                         token_of: Token) -> None:  # fmt: skip
    data = kit.service.export(manage(kit, alice, token_of))
    assert data["subscriber"].email == "alice@exemple.fr"
    assert [e["action"] for e in data["consent_log"]] == ["signup", "confirm"]


def test_erasure_keeps_only_a_hash_and_voids_every_link(
    kit: SubscriberKit, db: Database, alice: Subscriber, clock: Any, token_of: Token
) -> None:
    pref, out = manage(kit, alice, token_of), unsub(kit, alice, token_of)
    kit.service.erase(pref, ip="192.0.2.5")
    with db.session() as s:
        repo = SubscriberRepository(s)
        assert repo.by_email("alice@exemple.fr") is None
        assert repo.suppression_reason("alice@exemple.fr") == "erased"
        assert repo.consent_events_by_hash(email_hash("alice@exemple.fr"))[-1] == "erase"
    for token in (pref, out):
        with pytest.raises(InvalidLink):
            kit.service.unsubscribe(token, everything=True)
    # A new person taking the same row id cannot be reached by Alice's old links.
    kit.service.signup(SignupForm(email="bob@exemple.fr"))
    with pytest.raises(InvalidLink):
        kit.service.manage(pref)
    # An import never brings the erased address back.
    report = import_csv(db, clock, b"email\nAlice@exemple.fr\n", kit.choices, confirmed=True, basis="fichier 2025")
    assert report.summary["suppressed"] == 1
