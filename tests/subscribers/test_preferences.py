"""Preferences come from the taxonomy; a segment reaches whoever chose nothing or shares a value."""

from __future__ import annotations

import random

import pytest

from core.clock import FrozenClock
from core.errors import InvalidInput
from core.model import ItemKind, Preferences, Stream, Subscriber, SubscriberStatus
from core.settings import Settings
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers import segments
from subscribers.preferences import Choices, parse_preferences, reaches


@pytest.fixture
def choices(settings: Settings) -> Choices:
    return Choices.from_taxonomy(settings.taxonomy)


def test_values_are_kept_in_taxonomy_order_without_duplicates(choices: Choices) -> None:
    prefs = parse_preferences({"themes": ["sante", "ecsi", "sante", " "], "kinds": ["job"]}, choices)
    assert prefs.themes == ["ecsi", "sante"]
    assert prefs.kinds == [ItemKind.JOB]
    assert prefs.streams == [Stream.NEWSLETTER, Stream.EMAILING]  # nothing chosen: both


def test_unknown_values_are_named_family_by_family(choices: Choices) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_preferences({"themes": ["astrologie"], "territories": ["99"]}, choices, frequency="hourly")
    assert "astrologie" in str(err.value) and "99" in str(err.value) and "hourly" in str(err.value)


def test_empty_family_means_everything() -> None:
    assert reaches(Preferences(), {"themes": ["eau"], "territories": ["69"]}, Stream.NEWSLETTER)


def test_a_family_must_share_a_value() -> None:
    prefs = Preferences(themes=["sante"], territories=["69", "38"])
    assert reaches(prefs, {"themes": ["sante", "eau"], "territories": ["38"]})
    assert not reaches(prefs, {"themes": ["eau"]})
    assert not reaches(prefs, {"territories": ["01"]})


def test_a_dropped_stream_is_not_reached() -> None:
    prefs = Preferences(streams=[Stream.NEWSLETTER])
    assert reaches(prefs, {}, Stream.NEWSLETTER)
    assert not reaches(prefs, {}, Stream.EMAILING)


def test_database_count_agrees_with_the_rule(db: Database, clock: FrozenClock, choices: Choices) -> None:
    rng = random.Random(7)
    themes = [s for s, _ in choices.themes]
    territories = [s for s, _ in choices.territories]
    people = []
    for i in range(300):
        prefs = Preferences(
            kinds=rng.sample(list(ItemKind), rng.randint(0, 2)),
            themes=rng.sample(themes, rng.randint(0, 3)),
            territories=rng.sample(territories, rng.randint(0, 2)),
            streams=rng.sample(list(Stream), rng.randint(1, 2)),
        )
        status = SubscriberStatus.CONFIRMED if i % 5 else SubscriberStatus.UNSUBSCRIBED
        people.append(Subscriber(email=f"p{i}@exemple.fr", status=status, preferences=prefs))
    with db.session() as s:
        SubscriberRepository(s).insert_many(people)
    audiences = [
        {},
        {"themes": ["eau"]},
        {"themes": ["eau", "sante"], "territories": ["69"]},
        {"kinds": ["job"], "zones": ["asie"]},
    ]
    for audience in audiences:
        for stream in (None, Stream.NEWSLETTER, Stream.EMAILING):
            expected = sum(
                1 for p in people if p.status == SubscriberStatus.CONFIRMED and reaches(p.preferences, audience, stream)
            )
            assert segments.count(db, audience, stream) == expected, (audience, stream)
    assert 0 < segments.count(db, {"themes": ["eau"]}) < 240
