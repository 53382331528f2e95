"""Dates read by the collector's own parsing: from the whole body and the detail page, in the source's date order,
each with the sentence it was read from; structured fields keep the upper hand. Texts written for the project."""

from __future__ import annotations

import json
from datetime import date

from core.model import ItemKind
from tests.watch.helpers import REF, source
from watch.dates import evidence_of
from watch.fetch import Fetched
from watch.parse import parse_body, with_details

FILLER = "Le réseau accompagne les associations de la région dans la préparation de leur dossier. " * 12


def rss(*items: tuple[str, str]) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>https://exemple.org/{n}</link><guid>g{n}</guid>"
        f"<description><![CDATA[{d}]]></description></item>"
        for n, (t, d) in enumerate(items)
    )
    return f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>{body}</channel></rss>".encode()  # noqa: E501


def test_a_calendar_at_the_bottom_of_a_long_body_is_read_with_its_sentence() -> None:
    body = f"<p>{FILLER}</p><h3>Calendrier</h3><p>Clôture de l’appel à projets : 31 mars 2027</p>"
    assert len(FILLER) > 600
    (entry,) = parse_body(source("feed", "call"), rss(("AAP solidarité", body)), "https://exemple.org/f", None,
                          reference=REF)  # fmt: skip
    assert entry.item.deadline == date(2027, 3, 31)
    assert evidence_of(entry.item.field_origins["deadline"]) == "Clôture de l'appel à projets : 31 mars 2027"


def test_table_cells_and_list_items_keep_their_own_lines() -> None:
    body = (
        "<table><tr><td>Date de lancement : 1 février 2027</td><td>Date de clôture : 2 mai 2027</td></tr></table>"
        "<ul><li>Prise de poste le : 7 janvier 2028</li></ul>"
    )
    (entry,) = parse_body(source("feed", "call"), rss(("AAP", body)), "https://exemple.org/f", None, reference=REF)
    assert (entry.item.opening_date, entry.item.deadline) == (date(2027, 2, 1), date(2027, 5, 2))
    assert evidence_of(entry.item.field_origins["opening_date"]) == "Date de lancement : 1 février 2027"


def test_the_sources_date_order_reads_month_first_pages() -> None:
    feed = rss(("Call for proposals", "<p>Deadline: 03/04/2027 at 5 pm</p>"))
    (dmy,) = parse_body(source("feed", "call"), feed, "https://exemple.org/f", None, reference=REF)
    (mdy,) = parse_body(source("feed", "call", options={"date_order": "MDY"}), feed, "https://exemple.org/f", None,
                        reference=REF)  # fmt: skip
    assert (dmy.item.deadline, mdy.item.deadline) == (date(2027, 4, 3), date(2027, 3, 4))


def test_a_json_field_keeps_the_upper_hand_and_reads_in_the_sources_date_order() -> None:
    body = json.dumps(
        [{"id": 1, "title": "Offre", "summary": "Candidatures jusqu'au 9 mai 2027.", "end": "05/06/2027"}]
    )
    opts = {"title": "title", "summary": "summary", "deadline": "end", "id": "id", "date_order": "MDY"}
    (entry,) = parse_body(source("json", "job", options=opts), body.encode(), "https://exemple.org/j", None,
                          reference=REF)  # fmt: skip
    assert entry.item.deadline == date(2027, 5, 6) and entry.item.field_origins["deadline"] == "json"


def test_an_events_end_is_no_deadline_but_its_registration_is() -> None:
    feed = rss(
        ("Exposition", "<p>L'exposition photo est visible jusqu'au 30 novembre 2027.</p>"),
        ("Journée", "<p>Inscriptions jusqu'au 5 janvier 2028 sur le site.</p>"),
    )
    shown, day = parse_body(source("feed", "event"), feed, "https://exemple.org/f", None, reference=REF)
    assert shown.item.kind == ItemKind.EVENT and shown.item.deadline is None
    assert day.item.deadline == date(2028, 1, 5)


def test_the_detail_page_completes_the_list_pages_text() -> None:
    page = b"""<html><body><header>Menu 1er janvier 2027</header><main>
      <h1>Appel Jeunesse</h1><p>Un appel pour les projets de jeunes.</p>
      <p>Date limite de candidature :<br>12 mars 2027</p></main>
      <footer>Date limite : 1 janvier 2030</footer></body></html>"""
    listing = b"""<html><body><div class="r"><h2><a href="https://exemple.org/appel">Appel Jeunesse</a></h2>
      <p class="s">Un appel pour les projets de jeunes.</p></div></body></html>"""
    src = source("html", "call", options={"item": "div.r", "title": "h2", "summary": ".s", "detail": True})
    (entry,) = parse_body(src, listing, "https://exemple.org/liste", None, reference=REF)
    assert entry.item.deadline is None
    with_details(src, [entry], [Fetched("https://exemple.org/appel", 200, page, "text/html")], REF)
    assert entry.item.deadline == date(2027, 3, 12)  # the footer's date is not the page's
    assert evidence_of(entry.item.field_origins["deadline"]) == "Date limite de candidature : 12 mars 2027"


def test_a_cue_without_a_readable_date_gives_nothing_and_no_evidence() -> None:
    feed = rss(
        ("AAP", "<p>Les dossiers sont à envoyer au plus tard à 18 heures, le cachet de la poste faisant foi.</p>")
    )
    (entry,) = parse_body(source("feed", "call"), feed, "https://exemple.org/f", None, reference=REF)
    assert entry.item.deadline is None and "deadline" not in entry.item.field_origins
