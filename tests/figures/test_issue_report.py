"""The pure part of an issue's report: which issue an unsubscribe belongs to, the rates and the thresholds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from figures.issue_report import attributed, build, percent, warnings
from storage.issue_report import IssueFacts, ItemLine, Sent, Unsubscribe

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
MONTH = timedelta(days=30)


def sent(issue_id: int, subscriber_id: int, at: datetime, status: str = "accepted") -> Sent:
    return Sent(issue_id, subscriber_id, status, at, at + timedelta(seconds=30))


SENDS = [sent(1, 7, T0), sent(2, 7, T0 + MONTH)]


def test_a_link_belongs_to_the_email_it_was_made_for() -> None:
    made_for_first = Unsubscribe(7, T0 + MONTH + timedelta(days=1), link_issued_at=T0 + timedelta(seconds=10))
    assert attributed(1, [made_for_first], SENDS) == 1 and attributed(2, [made_for_first], SENDS) == 0


def test_a_link_made_later_elsewhere_belongs_to_no_issue() -> None:
    from_the_links_email = Unsubscribe(7, T0 + timedelta(days=3), link_issued_at=T0 + timedelta(days=2))
    assert attributed(1, [from_the_links_email], SENDS) == 0 and attributed(2, [from_the_links_email], SENDS) == 0


def test_without_the_links_date_the_last_message_received_before_leaving_counts() -> None:
    old = Unsubscribe(7, T0 + MONTH + timedelta(days=2), link_issued_at=None)
    assert attributed(2, [old], SENDS) == 1 and attributed(1, [old], SENDS) == 0
    bounced = [sent(1, 7, T0), sent(2, 7, T0 + MONTH, status="bounced")]
    assert attributed(1, [old], bounced) == 1


def test_a_person_who_unsubscribes_twice_counts_once() -> None:
    twice = [Unsubscribe(7, T0 + timedelta(hours=1), T0), Unsubscribe(7, T0 + timedelta(hours=2), T0)]
    assert attributed(1, twice, SENDS) == 1


def facts(complaints: int, accepted: int) -> IssueFacts:
    items = [ItemLine(1, "Appel A", "financements", 0, ()), ItemLine(2, "Offre B", "emplois", 1, ())]
    return IssueFacts({"accepted": accepted, "bounced": 2, "skipped": 5}, 2, 1, complaints, [], [], items)


def test_rates_against_gmail_and_yahoo() -> None:
    ok = build(1, "n°1", facts(complaints=0, accepted=1000), {2: 5})
    assert ok.recipients == 1002 and ok.complaint_rate == 0 and ok.warnings == []
    assert [i.item_id for i in ok.items] == [2, 1] and ok.clicks == 5
    watch = build(1, "n°1", facts(complaints=2, accepted=1000), {})
    assert watch.complaint_rate == 0.002 and "0,1 %" in watch.warnings[0] and "0,3 %" in watch.warnings[0]
    over = build(1, "n°1", facts(complaints=3, accepted=1000), {})
    assert over.complaint_rate == 0.003 and "au-delà du seuil de 0,3 %" in over.warnings[0]
    assert warnings(0.0, 0) == [] and percent(0.003) == "0,30 %"
