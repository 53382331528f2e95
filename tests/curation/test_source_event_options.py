"""The admin's source form: an HTML source's event selectors and an agenda's past window."""

from __future__ import annotations

from core.model import SourceKind
from curation.sources import OPTIONS, clean_options


def test_event_selectors_are_offered_to_html_sources_and_checked() -> None:
    assert {"starts_at", "ends_at", "place"} <= set(OPTIONS[SourceKind.HTML])
    errors: dict[str, str] = {}
    form = {"html_item": "div.event", "html_starts_at": "time.debut", "html_ends_at": ".fin", "html_place": ".lieu"}
    assert clean_options(SourceKind.HTML, form, errors) == {
        "item": "div.event",
        "starts_at": "time.debut",
        "ends_at": ".fin",
        "place": ".lieu",
    }
    assert clean_options(SourceKind.HTML, {"html_starts_at": "time[[["}, errors) == {}
    assert set(errors) == {"html_starts_at"}


def test_an_agenda_may_keep_past_events_for_a_bounded_number_of_days() -> None:
    errors: dict[str, str] = {}
    assert clean_options(SourceKind.ICAL, {"ical_past_days": "0"}, errors) == {"past_days": 0}
    assert clean_options(SourceKind.ICAL, {"ical_past_days": "30"}, errors) == {"past_days": 30}
    assert clean_options(SourceKind.ICAL, {"ical_past_days": "-1"}, errors) == {} and "ical_past_days" in errors
