"""Identity of what a list page or a feed gives: every result is an item, links are shown without their tracking
parameters, a result without a link is known by its page and its title. Pages written for the project."""

from __future__ import annotations

import httpx

from core.clock import FrozenClock
from storage.database import Database
from watch.entry import Entry
from watch.parse import parse_body

from .helpers import REF, source

PAGE = "https://reseau.exemple.org/appels/?page=1"
OPTIONS = {"item": "li.result", "title": "h3", "link": "a", "summary": "p"}


def html_page(*results: tuple[str, str | None]) -> bytes:
    items = "".join(
        f'<li class="result"><h3>{title}</h3>' + (f'<a href="{href}">Lire</a>' if href else "") + "<p>…</p></li>"
        for title, href in results
    )
    return f"<html><body><ul>{items}</ul></body></html>".encode()


def parse_html(body: bytes) -> list[Entry]:
    return parse_body(source("html", "call", url=PAGE, options=OPTIONS), body, PAGE, "text/html", reference=REF)


def test_results_sharing_a_link_or_differing_by_a_fragment_are_each_an_item() -> None:
    body = html_page(
        ("Appel à projets Jeunesse 2027", "/appels/2027#jeunesse"),
        ("Appel à projets Climat 2027", "/appels/2027#climat"),
        ("Appel à projets Santé 2027", "/appels/2027"),
        ("Appel à projets Eau 2027", "/appels/eau"),
    )
    entries = parse_html(body)
    assert [e.item.title for e in entries] == [
        "Appel à projets Jeunesse 2027",
        "Appel à projets Climat 2027",
        "Appel à projets Santé 2027",
        "Appel à projets Eau 2027",
    ]
    ids = [e.source_item_id for e in entries]
    assert len(set(ids)) == 4
    assert ids[0] == "https://reseau.exemple.org/appels/2027"  # the first keeps its link as its identity
    assert ids[1] == "https://reseau.exemple.org/appels/2027#Appel à projets Climat 2027"
    assert [e.item.url for e in entries][:2] == [
        "https://reseau.exemple.org/appels/2027#jeunesse",
        "https://reseau.exemple.org/appels/2027#climat",
    ]
    assert [e.source_item_id for e in parse_html(body)] == ids  # the same identities at the next collection


def test_the_same_link_and_title_twice_are_still_two_results() -> None:
    body = html_page(("Permanence", "/agenda"), ("Permanence", "/agenda"), ("Permanence", "/agenda"))
    assert len({e.source_item_id for e in parse_html(body)}) == 3


def test_a_result_without_a_link_is_known_by_its_page_and_its_title() -> None:
    body = html_page(
        ("Fonds de dotation : session de printemps", None), ("Fonds de dotation : session d'automne", None)
    )
    ids = [e.source_item_id for e in parse_html(body)]
    assert ids == [
        "https://reseau.exemple.org/appels?page=1#Fonds de dotation : session de printemps",
        "https://reseau.exemple.org/appels?page=1#Fonds de dotation : session d'automne",
    ]
    other = parse_body(
        source("html", "call", url="https://autre.exemple.org/", options=OPTIONS),
        body,
        "https://autre.exemple.org/",
        "text/html",
        reference=REF,
    )
    assert {e.source_item_id for e in other}.isdisjoint(ids)  # another page's result is another item


def test_tracking_parameters_leave_the_shown_link_too() -> None:
    link = "/appels/eau?id=42&utm_source=newsletter&utm_medium=email&fbclid=AbC&xtor=RSS-1&mc_cid=9#calendrier"
    [entry] = parse_html(html_page(("Appel Eau", link)))
    assert entry.item.url == "https://reseau.exemple.org/appels/eau?id=42#calendrier"
    assert entry.item.canonical_url == "https://reseau.exemple.org/appels/eau?id=42"

    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>Appel</title><link>https://fondation.exemple.org/appel?gclid=1&amp;p=3&amp;mc_eid=x</link>
    <guid>appel-1</guid></item></channel></rss>"""
    [entry] = parse_body(source("feed"), rss, "https://fondation.exemple.org/rss", None, reference=REF)
    assert entry.item.url == "https://fondation.exemple.org/appel?p=3"


def test_a_collection_stores_every_result_of_a_page_whose_results_share_a_link(
    db: Database, clock: FrozenClock
) -> None:
    """The issue's real case: a list page of 4 results, 3 kept, no warning."""
    from core.settings import WatchSettings
    from relais.wiring import outbound_policy
    from storage.items import ItemRepository
    from storage.sources import SourceRepository
    from tests.watch.test_collect import SETTINGS
    from watch.service import Watch

    body = html_page(
        ("Appel Jeunesse", "/appels#jeunesse"),
        ("Appel Climat", "/appels#climat"),
        ("Appel Santé", "/appels"),
        ("Appel Eau", "/appels/eau?utm_campaign=x"),
    )
    src = source("html", "call", name="Appels", url="https://reseau.exemple.org/appels/", options=OPTIONS)
    with db.session() as s:
        SourceRepository(s).sync_from_config([src])
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, content=body, headers={"content-type": "text/html"})
    )
    [result] = Watch(db, WatchSettings(), clock, transport=transport, policy=outbound_policy(SETTINGS)).collect()
    assert (result.parsed, result.new) == (4, 4)
    with db.session() as s:
        stored = ItemRepository(s).find()
    assert sorted(i.title for i in stored) == ["Appel Climat", "Appel Eau", "Appel Jeunesse", "Appel Santé"]
    assert "https://reseau.exemple.org/appels/eau" in {i.url for i in stored}
