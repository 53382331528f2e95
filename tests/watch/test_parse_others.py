"""HTML pages (selectors and JSON-LD), iCalendar agendas and JSON APIs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.errors import FetchError
from tests.watch.helpers import DATA, DEMO, REF, source
from watch.entry import Entry
from watch.fetch import Fetched
from watch.parse import parse_body, with_details

DEMO_HTML = {"item": "article.appel", "title": "h2", "link": "h2 a", "date": ".date", "summary": ".resume"}


def test_html_selectors_give_items_with_base_href_links_and_no_scripts() -> None:
    src = source("html", "call", url=str(DEMO / "appels.html"), options=DEMO_HTML)
    entries = parse_body(src, (DEMO / "appels.html").read_bytes(), src.url, "text/html", reference=REF)
    assert len(entries) == 9
    first = entries[0].item
    assert first.url == "https://www.fondation-exemple.org/appels/solidarite-territoires-2027/"
    assert entries[0].source_item_id == "https://fondation-exemple.org/appels/solidarite-territoires-2027"
    assert first.deadline == date(2027, 2, 10)
    assert first.published_at == datetime(2026, 11, 16, tzinfo=UTC)
    last = entries[-1].item
    assert (
        "onmouseover" not in last.body_html and "script" not in last.body_html and "document.write" not in last.summary
    )


def test_html_selectors_that_match_nothing_give_no_item() -> None:
    src = source("html", "call", options={"item": "div.introuvable", "title": "h2"})
    assert parse_body(src, (DEMO / "appels.html").read_bytes(), src.url, None, reference=REF) == []


def test_json_ld_job_postings_and_events() -> None:
    src = source("html", "job", url="https://offres.example/liste", options={})
    job, event = parse_body(src, (DATA / "jobs_jsonld.html").read_bytes(), src.url, None, reference=REF)
    assert job.source_item_id == "J-77" and job.item.url == "https://offres.example/offres/plaidoyer"
    assert job.item.deadline == date(2026, 12, 20) and job.item.field_origins["deadline"] == "json-ld"
    assert event.item.starts_at == datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    assert event.item.place == "Lyon, Halle Tony Garnier"


def test_detail_pages_complete_the_list_entries() -> None:
    opts = {**DEMO_HTML, "detail": True, "detail_deadline": ".limite", "detail_body": ".texte"}
    src = source("html", "event", url="https://a.example/", options=opts)
    body = b"<article class='appel'><h2><a href='/atelier'>Atelier</a></h2></article>"
    entries = parse_body(src, body, src.url, None, reference=REF)
    page = Fetched("https://a.example/atelier", 200, (DATA / "detail.html").read_bytes())
    (entry,) = with_details(src, entries, [page], REF)
    assert entry.item.deadline == date(2027, 1, 25) and entry.item.field_origins["deadline"] == "detail:.limite"
    assert entry.item.starts_at == datetime(2027, 2, 2, 13, 0, tzinfo=UTC) and entry.item.place == "Grenoble"
    assert "<em>pratique</em>" in entry.item.body_html


def test_ical_recurrence_is_expanded_over_a_bounded_window_with_exceptions() -> None:
    src = source("ical", "event", options={"window_days": 31})
    entries = parse_body(src, (DATA / "recurring.ics").read_bytes(), src.url, None, reference=REF)
    cafe = sorted((e for e in entries if e.source_item_id.startswith("cafe")), key=lambda e: e.item.starts_at or REF)
    days = [e.source_item_id.split("#")[1] for e in cafe]
    assert days == [
        "2026-11-04",
        "2026-11-18",
        "2026-11-25",
        "2026-12-02",
    ]  # 11th excluded, 18th moved, window ends 3 Dec
    moved = next(e for e in cafe if e.source_item_id.endswith("2026-11-18"))
    assert moved.item.place == "Villeurbanne" and moved.item.starts_at == datetime(2026, 11, 18, 18, 0, tzinfo=UTC)
    day = next(e for e in entries if e.source_item_id == "journee@test")
    assert day.item.starts_at == datetime(2027, 1, 14, 23, 0, tzinfo=UTC)  # all-day, Paris time
    assert day.item.deadline == date(2027, 1, 5)
    assert not any(e.source_item_id == "sans-date@test" for e in entries)


def test_the_demo_agenda() -> None:
    src = source("ical", "event")
    entries = parse_body(src, (DEMO / "agenda.ics").read_bytes(), src.url, None, reference=REF)
    assert len(entries) == 15  # 8 events and 7 weekly permanences (one cancelled by EXDATE)


def test_json_api_in_reliefweb_shape() -> None:
    opts = {"items": "data", "id": "id", "title": "fields.title", "url": "fields.url_alias",
            "deadline": "fields.date.closing", "country": "fields.country.name",
            "organisation": "fields.source.name", "summary": "fields.body"}  # fmt: skip
    src = source("json", "job", options=opts)
    entries = parse_body(src, (DATA / "reliefweb.json").read_bytes(), src.url, None, reference=REF)
    assert len(entries) == 9
    by_id = {e.source_item_id: e.item for e in entries}
    assert by_id["4103"].place == "Mali, Niger" and by_id["4103"].deadline == date(2026, 12, 31)
    assert by_id["4103"].summary.startswith("Santé Sahel Exemple — ")


def test_json_api_with_an_empty_list_is_a_source_with_nothing_yet() -> None:
    """Found by the month scenario: a job board with no offer on the 1st was an error, then backed off."""
    src = source("json", "job", options={"items": "data", "title": "title"})
    assert parse_body(src, b'{"data": []}', src.url, None, reference=REF) == []
    nested = source("json", "job", options={"items": "result.rows", "title": "title"})
    assert parse_body(nested, b'{"result": {"rows": []}}', src.url, None, reference=REF) == []


@pytest.mark.parametrize(
    ("body", "options", "message"),
    [
        (b"{not json", {"items": "data"}, "not valid JSON"),
        (b'{"data": 3}', {"items": "data"}, "not a list"),
        (b'{"results": []}', {"items": "data"}, "no list at items path"),
    ],
)
def test_json_api_errors_say_what_is_wrong(body: bytes, options: dict[str, str], message: str) -> None:
    with pytest.raises(FetchError, match=message):
        parse_body(source("json", "job", options=options), body, "https://x/", None, reference=REF)


def test_ical_garbage_is_an_error() -> None:
    with pytest.raises(FetchError):
        parse_body(source("ical", "event"), b"BEGIN:VCALENDAR\nthis is not", "https://x/", None, reference=REF)


def test_entries_pickle_for_the_process_pool() -> None:
    import pickle

    src = source("ical", "event")
    entries = parse_body(src, (DEMO / "agenda.ics").read_bytes(), src.url, None, reference=REF)
    assert isinstance(pickle.loads(pickle.dumps(entries))[0], Entry)
