"""Feeds of every flavour become entries with stable ids, sanitised HTML and the dates their text gives."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import FetchError
from core.model import ItemKind
from tests.watch.helpers import DATA, DEMO, REF, source
from watch.parse import parse_body


def parse(path: str, url: str = "https://example.org/feed", **kw: object) -> list:  # type: ignore[type-arg]
    body = (DATA / path).read_bytes() if (DATA / path).exists() else (DEMO / path).read_bytes()
    return parse_body(source("feed", "funding", url=url, **kw), body, url, None, reference=REF)


def test_demo_rss_gives_every_item_with_deadlines_and_absolute_links() -> None:
    entries = parse("financements.rss", tags=["financement"])
    assert len(entries) == 10
    first = entries[0]
    assert first.source_item_id == "fin-2027-001"
    assert first.item.kind == ItemKind.FUNDING and first.item.tags == ["financement"]
    assert first.item.deadline == date(2027, 3, 15)
    assert first.item.field_origins["deadline"] == "text: Date limite de dépôt : 15 mars 2027"
    assert 'href="https://financements.exemple.fr/guide-2027.pdf"' in first.item.body_html
    assert first.item.published_at is not None and first.item.published_at.isoformat() == "2026-11-02T08:00:00+00:00"
    ecsi = entries[1].item
    assert (ecsi.opening_date, ecsi.deadline) == (date(2026, 12, 1), date(2027, 1, 31))
    assert {t.tag for t in ecsi.suggested_tags} == set()  # no rules given: nothing suggested
    unknown = next(e for e in entries if e.source_item_id == "fin-2027-009")
    assert unknown.item.deadline is None  # "à préciser": never invented


def test_atom_entries() -> None:
    entries = parse("actualites.atom")
    assert len(entries) == 9
    assert entries[0].source_item_id == "tag:membres.exemple.org,2026:festisol-lyon"
    assert "Festisol 2026" in entries[0].item.summary


def test_rss_1_0_and_0_91_in_latin_1() -> None:
    (rdf,) = parse("rss10.rdf")
    assert rdf.item.title == "Appel à bénévoles pour la Semaine de la solidarité"
    assert rdf.item.deadline == date(2026, 12, 4)
    (old,) = parse("rss091.xml")
    assert old.item.title == "Rencontre à Valence : coopération décentralisée"
    assert old.source_item_id == "https://ancien.example/rencontre"  # no GUID: the canonical URL


def test_json_feed_is_read_and_sanitised() -> None:
    entries = parse("feed.json")
    assert [e.source_item_id for e in entries] == ["post-12", "post-13"]
    assert "script" not in entries[0].item.body_html
    assert 'href="https://blog.example/eau"' in entries[0].item.body_html
    assert entries[1].item.deadline == date(2027, 1, 20)


def test_a_truncated_feed_keeps_what_it_could_read() -> None:
    entries = parse("truncated.rss")
    assert entries[0].item.title == "Premier appel & bien formé"
    assert entries[0].item.deadline == date(2027, 1, 10)


def test_a_latin_1_body_labelled_utf_8_still_gives_readable_items() -> None:
    (entry,) = parse("wrong_charset.rss")
    assert entry.item.title == "Éducation à la citoyenneté : journée d'échanges"


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Pas un flux</body></html>", b"\x00\x01\x02 garbage", b'{"version": 1, "items": []}', b"{broken"],
)
def test_what_is_not_a_feed_is_an_error_not_an_item(body: bytes) -> None:
    with pytest.raises(FetchError):
        parse_body(source("feed"), body, "https://example.org/", None, reference=REF)


def test_a_repeated_guid_gives_one_entry() -> None:
    item = "<item><title>A</title><guid>same</guid></item>"
    body = f"<rss version='2.0'><channel><title>t</title>{item}{item}</channel></rss>".encode()
    assert len(parse_body(source("feed"), body, "https://example.org/", None, reference=REF)) == 1


def test_relative_links_resolve_against_the_feed_url_or_its_xml_base() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id><updated>2026-11-02T09:00:00Z</updated>
<entry><title>Relatif</title><id>urn:a</id><link href="/appels/a"/><updated>2026-11-02T09:00:00Z</updated>
<content type="html">&lt;a href="guide.pdf"&gt;guide&lt;/a&gt;</content></entry>
<entry xml:base="https://autre.exemple.org/dossier/"><title>Base</title><id>urn:b</id><link href="b"/>
<updated>2026-11-02T09:00:00Z</updated></entry></feed>"""
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>/</link>
<item><title>R</title><link>appel-3</link><guid isPermaLink="false">r3</guid></item></channel></rss>"""
    url = "https://site.exemple.fr/flux/atom.xml"
    a, b = parse_body(source("feed", url=url), atom, url, "application/atom+xml", reference=REF)
    assert a.item.url == "https://site.exemple.fr/appels/a"
    assert 'href="https://site.exemple.fr/appels/guide.pdf"' in a.item.body_html
    assert b.item.url == "https://autre.exemple.org/dossier/b"
    (r,) = parse_body(source("feed", url=url), rss, url, "application/rss+xml", reference=REF)
    assert r.item.url == "https://site.exemple.fr/flux/appel-3"
