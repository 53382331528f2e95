"""Sign-up and double opt-in, as a person (and a bot) would go through them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from core.clock import FrozenClock
from core.errors import InvalidInput
from core.model import Stream, SubscriberStatus
from storage.database import Database
from storage.subscribers import SubscriberRepository, email_hash
from subscribers.kit import SubscriberKit
from subscribers.links import InvalidLink
from subscribers.ratelimit import RateLimited
from subscribers.service import SignupForm


def form(email: str = "Alice@Exemple.fr", **prefs: list[str]) -> SignupForm:
    return SignupForm(email=email, name="Alice", organisation_type="association", preferences=dict(prefs))


def status(db: Database, email: str) -> SubscriberStatus | None:
    with db.session() as s:
        sub = SubscriberRepository(s).by_email(email)
    return sub.status if sub else None


def consent(db: Database, email: str) -> list[str]:
    with db.session() as s:
        return SubscriberRepository(s).consent_events_by_hash(email_hash(email))


def test_signup_then_confirm(kit: SubscriberKit, db: Database, mailer: Any, token_of: Callable[[str], str]) -> None:
    kit.service.signup(form(themes=["eau"], territories=["69"]), ip="192.0.2.1")
    assert status(db, "alice@exemple.fr") == SubscriberStatus.PENDING
    assert mailer.kinds() == ["confirm"]
    sub = kit.service.confirm(token_of(mailer.last("confirm").links["confirm"]), ip="192.0.2.1")
    assert sub.status == SubscriberStatus.CONFIRMED and sub.preferences.themes == ["eau"]
    assert sub.organisation_type == "association" and sub.name == "Alice"
    assert mailer.kinds() == ["confirm", "welcome"]
    assert consent(db, "alice@exemple.fr") == ["signup", "confirm"]


def test_the_consent_log_keeps_time_ip_and_wording(kit: SubscriberKit, db: Database, mailer: Any,
                                                   clock: FrozenClock) -> None:  # fmt: skip
    kit.service.signup(form(), ip="192.0.2.7")
    with db.session() as s:
        repo = SubscriberRepository(s)
        sub = repo.by_email("alice@exemple.fr")
        assert sub is not None and sub.id is not None
        (event,) = repo.consent_events(sub.id)
    assert event["at"] == clock.now() and event["ip"] == "192.0.2.7"
    assert event["origin"] == "form" and event["wording_version"] == "2026-01"


def test_resubmitting_never_changes_a_confirmed_subscriber(
    kit: SubscriberKit, db: Database, mailer: Any, token_of: Callable[[str], str]
) -> None:
    kit.service.signup(form(themes=["eau"]))
    kit.service.confirm(token_of(mailer.last("confirm").links["confirm"]))
    kit.service.signup(form(themes=["sante"], streams=["emailing"]))
    with db.session() as s:
        sub = SubscriberRepository(s).by_email("alice@exemple.fr")
    assert sub is not None
    assert sub.status == SubscriberStatus.CONFIRMED and sub.preferences.themes == ["eau"]
    # …until the link of that second email is followed.
    kit.service.confirm(token_of(mailer.last("confirm").links["confirm"]))
    with db.session() as s:
        sub = SubscriberRepository(s).by_email("alice@exemple.fr")
    assert sub is not None and sub.preferences.themes == ["sante"] and sub.preferences.streams == [Stream.EMAILING]


def test_the_same_answer_whether_known_or_not(kit: SubscriberKit, mailer: Any) -> None:
    assert kit.service.signup(form("nouvelle@exemple.fr")) is None
    assert kit.service.signup(form("nouvelle@exemple.fr")) is None  # known now, same silence


def test_following_a_confirmation_link_twice_changes_nothing_more(
    kit: SubscriberKit, db: Database, mailer: Any, token_of: Callable[[str], str]
) -> None:
    kit.service.signup(form())
    token = token_of(mailer.last("confirm").links["confirm"])
    kit.service.confirm(token)
    kit.service.confirm(token)
    assert consent(db, "alice@exemple.fr") == ["signup", "confirm"]
    assert mailer.kinds().count("welcome") == 1


def test_honeypot_is_silently_ignored(kit: SubscriberKit, db: Database, mailer: Any) -> None:
    kit.service.signup(SignupForm(email="bot@exemple.fr", honeypot="http://spam.example"))
    assert status(db, "bot@exemple.fr") is None and mailer.sent == []


def test_invalid_address_and_preferences_are_refused(kit: SubscriberKit, db: Database, mailer: Any) -> None:
    with pytest.raises(InvalidInput):
        kit.service.signup(form("pas-une-adresse"))
    with pytest.raises(InvalidInput, match="astrologie"):
        kit.service.signup(form(themes=["astrologie"]))
    with pytest.raises(InvalidInput, match="organisation"):
        kit.service.signup(SignupForm(email="a@exemple.fr", organisation_type="secte"))
    assert mailer.sent == []


def test_per_ip_rate_limit(kit: SubscriberKit, mailer: Any, clock: FrozenClock) -> None:
    limit = kit.service.settings.signup_rate_per_ip_per_hour
    for i in range(limit):
        kit.service.signup(form(f"p{i}@exemple.fr"), ip="198.51.100.9")
    with pytest.raises(RateLimited):
        kit.service.signup(form("one-more@exemple.fr"), ip="198.51.100.9")
    kit.service.signup(form("other-ip@exemple.fr"), ip="198.51.100.10")
    clock.advance(timedelta(hours=1, seconds=1))
    kit.service.signup(form("later@exemple.fr"), ip="198.51.100.9")
    assert len(mailer.sent) == limit + 2


def test_per_address_rate_limit_sends_no_more_emails(kit: SubscriberKit, mailer: Any) -> None:
    limit = kit.service.settings.signup_rate_per_address_per_hour
    for i in range(limit + 3):
        kit.service.signup(form("ALICE@exemple.fr"), ip=f"203.0.113.{i}")
    assert len(mailer.sent) == limit


def test_expired_confirmation_changes_nothing(
    kit: SubscriberKit, db: Database, mailer: Any, clock: FrozenClock, token_of: Callable[[str], str]
) -> None:
    kit.service.signup(form())
    clock.advance(timedelta(hours=kit.service.settings.confirm_within_hours, minutes=1))
    with pytest.raises(InvalidLink):
        kit.service.confirm(token_of(mailer.last("confirm").links["confirm"]))
    assert status(db, "alice@exemple.fr") == SubscriberStatus.PENDING


def test_unconfirmed_signups_are_purged(kit: SubscriberKit, db: Database, mailer: Any, clock: FrozenClock,
                                        token_of: Callable[[str], str]) -> None:  # fmt: skip
    kit.service.signup(form("reste@exemple.fr"))
    kit.service.confirm(token_of(mailer.last("confirm").links["confirm"]))
    kit.service.signup(form("oublie@exemple.fr"))
    clock.advance(timedelta(hours=kit.service.settings.purge_unconfirmed_after_hours - 1))
    assert kit.service.purge_unconfirmed() == 0
    clock.advance(timedelta(hours=2))
    assert kit.service.purge_unconfirmed() == 1
    assert status(db, "oublie@exemple.fr") is None and status(db, "reste@exemple.fr") == SubscriberStatus.CONFIRMED
