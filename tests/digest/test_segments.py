"""Each confirmed subscriber gets the issue filtered by their preferences; same content, same segment."""

from __future__ import annotations

from datetime import date

from core.model import IssueKind, ItemKind, Stream, SubscriberStatus
from digest.segments import Taxonomy, segment_key, segments, untagged, wants
from tests.digest.digest_factory import item, newsletter, subscriber, taxonomy

TAX = Taxonomy.from_settings(taxonomy())


def _scenario() -> tuple:  # type: ignore[type-arg]
    items = [
        item(1, ItemKind.CALL, tags=["ecsi"], deadline=date(2027, 1, 1)),
        item(2, ItemKind.EVENT, tags=["sante", "69"]),
        item(3, ItemKind.NEWS),  # no theme, no territory: for everyone
        item(4, ItemKind.JOB, tags=["eau", "maghreb"]),
    ]
    return newsletter(items), {i.id: i for i in items}


def test_subscribers_with_the_same_filtered_content_share_a_segment() -> None:
    issue, items = _scenario()
    subs = [
        subscriber(1),  # everything
        subscriber(2),  # everything
        subscriber(3, themes=["ecsi"]),
        subscriber(4, themes=["ecsi"], kinds=[ItemKind.CALL, ItemKind.NEWS]),  # same content as 3
        subscriber(5, territories=["38"]),  # the Lyon event is not for Isère
        subscriber(6, status=SubscriberStatus.PENDING),
        subscriber(7, status=SubscriberStatus.UNSUBSCRIBED),
        subscriber(8, streams=[Stream.EMAILING]),  # no newsletter
    ]
    found = {s.item_ids: sorted(s.subscriber_ids) for s in segments(issue, items, subs, TAX)}
    # Issue order is the reading order: funding (1), agenda (2), jobs (4), news (3).
    assert found == {(1, 2, 4, 3): [1, 2], (1, 3): [3, 4], (1, 4, 3): [5]}


def test_segment_keys_are_stable_hashes_of_the_content() -> None:
    assert segment_key(1, [1, 2]) == segment_key(1, [1, 2])
    assert segment_key(1, [1, 2]) != segment_key(1, [2, 1]) != segment_key(2, [1, 2])
    assert len(segment_key(1, [1])) == 16


def test_a_subscriber_with_nothing_in_the_issue_gets_no_segment() -> None:
    issue, items = _scenario()
    assert segments(issue, items, [subscriber(1, kinds=[ItemKind.TRAINING])], TAX) == []


def test_zones_and_departements_come_from_tags() -> None:
    lyon = item(1, tags=["69"])
    lyon_and_isere = item(2, tags=["69", "38"])
    assert wants(subscriber(1, territories=["69"]).preferences, lyon, TAX)
    assert not wants(subscriber(1, territories=["38"]).preferences, lyon, TAX)
    assert wants(subscriber(1, territories=["38"]).preferences, lyon_and_isere, TAX)
    assert not wants(subscriber(1, zones=["asie"]).preferences, item(3, tags=["maghreb"]), TAX)


def test_an_emailing_reaches_only_its_audience_and_the_emailing_stream() -> None:
    items = [item(1, tags=["ecsi"])]
    issue = newsletter(items)
    issue.kind = IssueKind.EMAILING
    issue.audience = {"themes": ["ecsi"]}
    subs = [
        subscriber(1, themes=["ecsi"]),
        subscriber(2, themes=["sante"]),  # not the audience
        subscriber(3),  # everything
        subscriber(4, streams=[Stream.NEWSLETTER]),
    ]
    [seg] = segments(issue, {1: items[0]}, subs, TAX)
    assert sorted(seg.subscriber_ids) == [1, 3]


def test_a_text_only_emailing_is_one_segment_for_its_audience() -> None:
    issue = newsletter([])
    issue.kind = IssueKind.EMAILING
    [seg] = segments(issue, {}, [subscriber(1), subscriber(2, themes=["eau"])], TAX)
    assert seg.item_ids == () and sorted(seg.subscriber_ids) == [1, 2]


def test_a_theme_no_one_subscribes_to_has_no_segment() -> None:
    items = [item(1, tags=["eau"])]
    issue = newsletter(items)
    issue.kind = IssueKind.EMAILING
    issue.audience = {"themes": ["eau"]}
    assert segments(issue, {1: items[0]}, [subscriber(1, themes=["sante"])], TAX) == []


def test_staff_learn_how_many_items_have_no_tag_in_each_family() -> None:
    items = [item(1, tags=["ecsi", "69"]), item(2, tags=["maghreb"]), item(3)]
    assert untagged(items, TAX) == {"themes": 2, "zones": 2, "territories": 2, "audiences": 3}
