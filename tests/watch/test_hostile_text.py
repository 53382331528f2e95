"""What a hostile source writes, in every format: control characters never survive collection, and a link that is
not http(s) is stored as no link."""

from __future__ import annotations

import json

import pytest

from core.model import Item
from tests.watch.helpers import REF, source
from watch.entry import Entry
from watch.parse import parse_body

# Raw controls where the format allows bytes, character references where it does not (XML refuses raw ones).
DIRTY = "Appel\x00 eau\x0b\x1b[31m\x7f\x85 \u202eTXT.EXE\u202c 2027"
RSS = """<rss version="2.0"><channel><title>F</title><link>https://f.example/</link>
<item><title>Appel&#x1b; eau&#x7f;&#x85; \u202eTXT.EXE\u202c 2027</title><link>javascript:alert(1)</link>
<guid>g1</guid><description>R\u00e9sum\u00e9&#x1b;[2J&#x85; &lt;a href="java&amp;#x09;script:alert(2)"&gt;lien&lt;/a&gt;
</description><category>eau&#x7f;</category></item></channel></rss>"""
ATOM = """<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><id>f</id><updated>2026-11-01T00:00:00Z</updated>
<entry><title>Appel&#x1b; eau&#x7f;</title><id>e1</id><updated>2026-11-01T00:00:00Z</updated>
<link href=" JaVaScRiPt:alert(1)"/>
<summary type="html">Texte&#x85;&amp;#x1b; &lt;a href="data:text/html,x"&gt;d&lt;/a&gt;</summary></entry></feed>"""
HTML = (
    '<div class="item"><h2>Appel\x1b eau\x7f\x0b</h2><a href="java&#x09;script:alert(1)">voir</a>'
    '<div class="resume">Texte\x85 &#x1b; <a href="vbscript:x">v</a><a href="/ok">ok</a></div></div>'
)
ICAL = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u1\r\nDTSTART:20261110T100000Z\r\n"
    "SUMMARY:Rencontre\x1b eau\x7f\r\nDESCRIPTION:Texte\x85\x0b\r\nLOCATION:Lyon\x1b\u202e\r\n"
    "URL:javascript:alert(1)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
JSON = json.dumps(
    {
        "data": [
            {
                "id": "j1\x00",
                "title": DIRTY,
                "url": "javascript:alert(1)",
                "summary": "Texte\x85\x1b\ud800",
                "place": "Lyon\x0b",
                "organisation": "Org\x1b\u2066",
            }
        ]
    }
)
FORBIDDEN = {chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]} | set(
    "\ud800\ufffe\uffff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _strings(item: Item) -> list[str]:
    values = [item.title, item.summary, item.body_html, item.place or "", item.url or "", *item.tags]
    return [v for v in values if v]


CASES = {
    "rss": (source("feed"), RSS.encode()),
    "atom": (source("feed"), ATOM.encode()),
    "html": (
        source(
            "html",
            url="https://h.example/liste",
            options={"item": "div.item", "title": "h2", "link": "a", "summary": ".resume"},
        ),
        HTML.encode(),
    ),
    "ical": (source("ical", "event", url="https://c.example/agenda.ics", options={"window_days": 60}), ICAL.encode()),
    "json": (
        source(
            "json",
            "job",
            url="https://j.example/api",
            options={
                "items": "data",
                "id": "id",
                "title": "title",
                "url": "url",
                "summary": "summary",
                "place": "place",
                "organisation": "organisation",
            },
        ),
        JSON.encode(),
    ),
}


@pytest.mark.parametrize("fmt", CASES)
def test_no_control_character_survives_collection(fmt: str) -> None:
    src, body = CASES[fmt]
    entries: list[Entry] = parse_body(src, body, src.url, None, reference=REF)
    assert entries, fmt
    for entry in entries:
        for value in [*_strings(entry.item), entry.source_item_id]:
            assert not FORBIDDEN & set(value), (fmt, value)
        assert "eau" in entry.item.title or "Rencontre" in entry.item.title


@pytest.mark.parametrize("fmt", CASES)
def test_a_script_link_is_stored_as_no_link(fmt: str) -> None:
    src, body = CASES[fmt]
    for entry in parse_body(src, body, src.url, None, reference=REF):
        assert entry.item.url is None and "url" not in entry.item.field_origins
        assert entry.item.canonical_url is None
        for scheme in ("javascript", "vbscript", "data:", "java&"):
            assert scheme not in entry.item.body_html.lower()
