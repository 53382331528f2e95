"""iCalendar as real exports write it: each file here was written for the project after a pattern of Google
Calendar, Outlook, Nextcloud, WordPress "The Events Calendar" and Thunderbird exports."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.errors import FetchError
from watch.entry import Entry
from watch.parse import parse_body

from .helpers import source

REF = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
CAL_URL = "https://agenda.exemple.org/calendrier/export.ics"

PARIS = """BEGIN:VTIMEZONE
TZID:Europe/Paris
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
"""


def calendar(*events: str, zones: str = PARIS) -> bytes:
    body = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Relais tests//FR\n" + zones + "".join(events) + "END:VCALENDAR\n"
    return body.replace("\n", "\r\n").encode()


def event(uid: str, *lines: str, summary: str = "Réunion") -> str:
    return (
        "BEGIN:VEVENT\nUID:"
        + uid
        + "\nDTSTAMP:20261201T090000Z\nSUMMARY:"
        + summary
        + "\n"
        + "\n".join(lines)
        + "\nEND:VEVENT\n"
    )


def parse(body: bytes, **options: object) -> list[Entry]:
    src = source("ical", "event", url=CAL_URL, options=options)
    return parse_body(src, body, CAL_URL, "text/calendar", reference=REF)


def ids(entries: list[Entry]) -> list[str]:
    return [e.source_item_id for e in entries]


def test_google_export_a_zoned_series_with_a_utc_until_exdate_and_a_moved_occurrence() -> None:
    body = calendar(
        event(
            "permanence@google.com",
            "DTSTART;TZID=Europe/Paris:20270105T180000",
            "DTEND;TZID=Europe/Paris:20270105T200000",
            "RRULE:FREQ=WEEKLY;WKST=MO;UNTIL=20270202T165959Z;BYDAY=TU",
            "EXDATE;TZID=Europe/Paris:20270112T180000",
            summary="Permanence des bénévoles",
        ),
        event(
            "permanence@google.com",
            "RECURRENCE-ID;TZID=Europe/Paris:20270119T180000",
            "DTSTART;TZID=Europe/Paris:20270120T183000",
            "DTEND;TZID=Europe/Paris:20270120T203000",
            summary="Permanence des bénévoles (mercredi)",
        ),
    )
    entries = parse(body)
    # 5, 12 (excluded), 19 (moved to the 20th), 26 January; 2 February 18:00 Paris is after UNTIL (16:59:59 UTC)
    assert ids(entries) == ["permanence@google.com#2027-01-05", "permanence@google.com#2027-01-19",
                            "permanence@google.com#2027-01-26"]  # fmt: skip
    moved = entries[1].item
    assert moved.title == "Permanence des bénévoles (mercredi)"
    assert moved.starts_at == datetime(2027, 1, 20, 17, 30, tzinfo=UTC)
    assert moved.ends_at == datetime(2027, 1, 20, 19, 30, tzinfo=UTC)
    assert entries[0].item.starts_at == datetime(2027, 1, 5, 17, 0, tzinfo=UTC)


def test_outlook_export_an_all_day_series_with_a_utc_until_and_a_windows_zone_override() -> None:
    romance = PARIS.replace("Europe/Paris", "Romance Standard Time")
    body = calendar(
        event(
            "040000008200E00074C5B7101A82E008",
            "DTSTART;VALUE=DATE:20270107",
            "DTEND;VALUE=DATE:20270108",
            "RRULE:FREQ=WEEKLY;UNTIL=20270127T230000Z;INTERVAL=2;BYDAY=TH;WKST=MO",
            summary="Journée portes ouvertes",
        ),
        event(
            "040000008200E00074C5B7101A82E008",
            "RECURRENCE-ID;TZID=Romance Standard Time:20270121T000000",
            "DTSTART;VALUE=DATE:20270122",
            "DTEND;VALUE=DATE:20270123",
            summary="Journée portes ouvertes (décalée au vendredi)",
        ),
        zones=romance,
    )
    entries = parse(body)
    assert [e.item.title for e in entries] == [
        "Journée portes ouvertes",
        "Journée portes ouvertes (décalée au vendredi)",
    ]
    assert entries[0].item.starts_at == datetime(2027, 1, 6, 23, 0, tzinfo=UTC)  # all-day, Paris time
    assert entries[1].item.starts_at == datetime(2027, 1, 21, 23, 0, tzinfo=UTC)


def test_floating_times_are_the_source_time_zone_and_utc_times_stay_utc() -> None:
    body = calendar(
        event("a@nextcloud", "DTSTART:20270110T180000", "DURATION:PT2H", summary="Ciné-débat"),
        event("b@nextcloud", "DTSTART:20270110T180000Z", summary="Visio"),
    )
    by_id = {e.source_item_id: e.item for e in parse(body)}
    assert by_id["a@nextcloud"].starts_at == datetime(2027, 1, 10, 17, 0, tzinfo=UTC)
    assert by_id["a@nextcloud"].ends_at == datetime(2027, 1, 10, 19, 0, tzinfo=UTC)
    assert by_id["b@nextcloud"].starts_at == datetime(2027, 1, 10, 18, 0, tzinfo=UTC)
    cayenne = {e.source_item_id: e.item for e in parse(body, timezone="America/Cayenne")}
    assert cayenne["a@nextcloud"].starts_at == datetime(2027, 1, 10, 21, 0, tzinfo=UTC)


def test_a_floating_series_with_a_utc_until() -> None:
    body = calendar(
        event("c@thunderbird", "DTSTART:20270105T090000", "RRULE:FREQ=DAILY;UNTIL=20270107T080000Z", summary="Stage")
    )
    assert ids(parse(body)) == ["c@thunderbird#2027-01-05", "c@thunderbird#2027-01-06", "c@thunderbird#2027-01-07"]


def test_relative_links_are_made_absolute_against_the_calendar() -> None:
    body = calendar(event("d@wordpress", "DTSTART;VALUE=DATE:20270201", "URL:/evenement/festival-des-solidarites/"))
    [entry] = parse(body)
    assert entry.item.url == "https://agenda.exemple.org/evenement/festival-des-solidarites/"


def test_past_one_off_events_are_dropped_on_arrival_unless_the_source_asks_for_them() -> None:
    body = calendar(
        event("past@wp", "DTSTART;VALUE=DATE:20261215", summary="Marché de Noël solidaire"),
        event("yesterday@wp", "DTSTART;TZID=Europe/Paris:20270103T100000", "DTEND;TZID=Europe/Paris:20270103T120000"),
        event("today@wp", "DTSTART;VALUE=DATE:20270104", summary="Journée en cours"),
        event("next@wp", "DTSTART;VALUE=DATE:20270210", summary="Assemblée générale"),
        event("weekly@wp", "DTSTART;TZID=Europe/Paris:20261201T180000", "RRULE:FREQ=WEEKLY;COUNT=8", summary="Atelier"),
    )
    assert ids(parse(body)) == ["today@wp", "weekly@wp#2027-01-05", "weekly@wp#2027-01-12", "weekly@wp#2027-01-19",
                                "next@wp"]  # fmt: skip
    kept = ids(parse(body, past_days=30))
    assert {"past@wp", "yesterday@wp", "weekly@wp#2026-12-08"} <= set(kept)
    assert "weekly@wp#2026-12-01" not in kept  # more than 30 days ago


def test_a_malformed_event_costs_that_event_only() -> None:
    body = calendar(
        event("good@test", "DTSTART;VALUE=DATE:20270201", summary="Bon"),
        event("bad-rule@test", "DTSTART;VALUE=DATE:20270202", "RRULE:FREQ=SOMETIMES;BYDAY=XX", summary="Règle"),
        event("bad-date@test", "DTSTART:2027-02-03 à 18h", summary="Date"),
        event("also-good@test", "DTSTART;VALUE=DATE:20270204", summary="Bon aussi"),
    )
    assert {"good@test", "also-good@test"} <= set(ids(parse(body)))


def test_cancelled_events_and_cancelled_occurrences_are_not_on_the_agenda() -> None:
    body = calendar(
        event("x@test", "DTSTART;VALUE=DATE:20270201", "STATUS:CANCELLED", summary="Annulé"),
        event("s@test", "DTSTART;TZID=Europe/Paris:20270105T180000", "RRULE:FREQ=WEEKLY;COUNT=3"),
        event(
            "s@test",
            "RECURRENCE-ID;TZID=Europe/Paris:20270112T180000",
            "DTSTART;TZID=Europe/Paris:20270112T180000",
            "STATUS:CANCELLED",
        ),
    )
    assert ids(parse(body)) == ["s@test#2027-01-05", "s@test#2027-01-19"]


def test_an_empty_rrule_is_a_one_off_and_rdate_adds_occurrences() -> None:
    body = calendar(
        event("holiday@labs", "DTSTART:20270501", "DTEND:20270501", "RRULE:", summary="Fête du travail"),
        event("radio@hpr", "DTSTART:20270206T190000Z", "RDATE;VALUE=DATE-TIME:20270306T190000Z,20270403T190000Z"),
    )
    assert ids(parse(body)) == ["radio@hpr#2027-02-06", "radio@hpr#2027-03-06", "radio@hpr#2027-04-03",
                                "holiday@labs"]  # fmt: skip
    assert parse(body)[-1].item.starts_at.date() == date(2027, 4, 30)  # type: ignore[union-attr]


def test_a_file_that_is_no_calendar_is_the_sources_error() -> None:
    with pytest.raises(FetchError):
        parse(b"<html><body>Agenda</body></html>")


def test_a_large_calendar_export_is_not_cut_at_a_list_pages_limit() -> None:
    events = [
        event(f"e{n}@exchange", f"DTSTART;VALUE=DATE:{20270201 + n % 28}", summary=f"Réunion {n}") for n in range(680)
    ]
    assert len(parse(calendar(*events))) == 680
