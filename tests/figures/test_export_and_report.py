"""Exports open right in a French spreadsheet; the report page shows big numbers, charts and +/−."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from selectolax.lexbor import LexborHTMLParser

from figures.compute import RawFigures, assemble
from figures.export import CSV_COLUMNS, rows, to_csv, to_json
from figures.model import KeyFigures
from figures.period import year
from figures.report import render_report
from figures.svg import Bar, hbars, line
from tests.figures.generated_year import TAXONOMY


def raw(scale: int) -> RawFigures:
    return RawFigures(
        issues_sent=[("newsletter", datetime(2026, 3, 1, 8, tzinfo=UTC))] * scale
        + [("emailing", datetime(2026, 5, 3, 8, tzinfo=UTC))] * (2 * scale),
        accepted_per_month=[0, 0, 1200 * scale, 0, 800, 0, 0, 0, 0, 0, 0, 0],
        deliveries={"bounced": 7, "failed": 1},
        distinct_recipients=950,
        bounces={"complaint": 2, "hard": 5},
        subscribers_start=1000,
        subscribers_end=1000 + 40 * scale,
        consent={"confirm": 60, "import_confirmed": 3, "unsubscribe:newsletter": 4, "unsubscribe:all": 9, "erase": 1},
        collected={"news": 300 * scale, "event": 200},
        approved={"news": 120, "event": 90, "funding": 30},
        published={"news": 100 * scale, "event": 80, "funding": 30, "call": 12, "job": 60},
        events_by_territory={"69": 50, "38": 20, "": 10},
        tag_counts={"sante": 40, "theme:eau": 10, "afrique-subsaharienne": 47, "asie": 20, "autre": 3},
        themes_base=48,
        zones_base=134,
        sources={"total": 40, "enabled": 38, "healthy": 35, "failing": 2, "never_run": 1},
        runs={"fetched": 3000, "error": 12},
        triage={("anne@x", "approved"): 200, ("anne@x", "rejected"): 50, ("paul@x", "approved"): 40},
        median_approval_seconds=5400.0,
    )


def figures(scale: int = 2, y: int = 2026) -> KeyFigures:
    return assemble(raw(scale), year(y), TAXONOMY)


def test_assembly_decides_headline_figures() -> None:
    f = figures()
    assert (f.sends.newsletters, f.sends.emailings, f.sends.messages_accepted) == (2, 4, 3200)
    assert f.items.funding_sources_published == 42  # funding + calls for proposals, RESACOOP's wording
    assert f.items.published["training"] == 0  # every kind is present
    assert f.audience.unsubscribes == {"newsletter": 4, "emailing": 0, "all": 9}
    assert f.audience.net_change == 80
    zone = f.items.zones[0]
    assert (zone.key, zone.count, zone.share) == ("afrique-subsaharienne", 47, 0.3507)  # "35 % (47)"
    assert [t.key for t in f.items.themes] == ["sante", "eau"]  # "theme:eau" counts for eau; "autre" for none
    assert f.items.events_by_territory[-1].label == "Non précisé"
    assert f.workload.items_triaged == 290 and f.workload.median_hours_to_approval == 1.5
    assert [m.month for m in f.sends.by_month][:3] == ["2026-01", "2026-02", "2026-03"]
    assert f.sends.by_month[2].newsletters == 2 and f.sends.by_month[2].messages_accepted == 2400


def test_csv_has_a_bom_semicolons_and_french_decimals() -> None:
    data = to_csv(figures(2), figures(1, 2025)).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == CSV_COLUMNS
    by_key = {r[1]: r for r in table[1:]}
    assert by_key["sends.newsletters"][3:] == ["2", "1", "1"]
    assert by_key["items.zones.afrique-subsaharienne.share"][3] == "35,1"
    assert by_key["workload.median_hours_to_approval"][3] == "1,5"
    assert by_key["items.published.event"][2] == "Événements publiés"
    # every value cell is a number a spreadsheet reads as one (French decimal comma), or empty
    for r in table[1:]:
        for cell in r[3:]:
            assert cell == "" or float(cell.replace(",", ".")) == float(cell.replace(",", "."))


def test_rows_compare_months_by_position() -> None:
    by_key = {r.key: r for r in rows(figures(2), figures(1, 2025))}
    march = by_key["sends.by_month.2026-03.messages_accepted"]
    assert (march.value, march.previous, march.change) == (2400, 1200, 1200)


def test_json_is_one_object_with_the_previous_period() -> None:
    doc = json.loads(json.dumps(to_json(figures(2), figures(1, 2025)), ensure_ascii=False))
    assert doc["period"]["label"] == "2026" and doc["previous"]["period"]["label"] == "2025"
    assert doc["sends"]["by_month"][2]["messages_accepted"] == 2400
    assert doc["items"]["zones"][0] == {
        "key": "afrique-subsaharienne",
        "label": "Afrique subsaharienne",
        "count": 47,
        "share": 0.3507,
    }


def test_svg_charts_are_accessible_and_escape_text() -> None:
    svg = hbars("z", "Zones <test>", [Bar("Côte d'Ivoire & <Mali>", 3, "3 (60 %)"), Bar("Asie", 2, "2 (40 %)")])
    root = ET.fromstring(svg)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img" and root.get("aria-labelledby") == "z-t z-d"
    assert root.find(f"{ns}title").text == "Zones <test>"  # type: ignore[union-attr]
    assert "Côte d'Ivoire & <Mali> : 3 (60 %)" in (root.find(f"{ns}desc").text or "")  # type: ignore[union-attr]
    widths = [float(r.get("width", "0")) for r in root.iter(f"{ns}rect")]
    assert widths[0] > widths[1] > 0
    empty = ET.fromstring(line("l", "Envois", []))
    assert "Aucune donnée" in "".join(empty.itertext())
    months = ET.fromstring(line("m", "Envois", [("janv.", 3), ("févr.", 0), ("mars", 5)]))
    assert [c.get("cx") for c in months.iter(f"{ns}circle")] == ["20.0", "320.0", "620.0"]


def test_the_report_page_reads_like_an_en_bref_page() -> None:
    html = render_report(figures(2), figures(1, 2025), network="RESACOOP", csv_url="/f.csv", json_url="/f.json")
    page = LexborHTMLParser(html)
    assert page.css_first("h1").text() == "Chiffres clés 2026"
    big = {li.css_first(".cc-label").text(): li for li in page.css(".cc-big li")}
    funding = big["sources de financement"]
    assert funding.css_first(".cc-value").text() == "42"
    assert funding.css_first(".cc-change").text() == "= par rapport à 2025"
    news = big["actualités publiées"]
    assert news.css_first(".cc-value").text() == "200" and "cc-up" in (
        news.css_first(".cc-change").attributes["class"] or ""
    )
    assert news.css_first(".cc-change").text().startswith("+100")
    assert len(page.css("svg.chart")) == 8 and all(s.css_first("title") for s in page.css("svg.chart"))
    assert "@page{size:A4" in html and "@media print" in html
    assert page.css_first('a[href="/f.csv"]') is not None
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")


def test_an_empty_period_renders_zeros_not_errors() -> None:
    empty = RawFigures(
        issues_sent=[],
        accepted_per_month=[0] * 12,
        deliveries={},
        distinct_recipients=0,
        bounces={},
        subscribers_start=0,
        subscribers_end=0,
        consent={},
        collected={},
        approved={},
        published={},
        events_by_territory={},
        tag_counts={},
        themes_base=0,
        zones_base=0,
        sources=dict.fromkeys(("total", "enabled", "healthy", "failing", "never_run"), 0),
        runs={},
        triage={},
        median_approval_seconds=None,
    )
    f = assemble(empty, year(2031), TAXONOMY)
    html = render_report(f, f)
    assert "Aucune donnée pour cette période." in html and "Chiffres clés 2031" in html
    assert all(r.value in (0, 0.0, None) for r in rows(f, f))


def test_csv_text_cells_cannot_be_formulas_while_negative_numbers_stay_numbers() -> None:
    import dataclasses

    from figures.model import Share

    current = figures(1)
    hostile = [Share("evil", '=HYPERLINK("https://evil.example")', 3, 0.5), Share("moins", "-1+2", 2, 0.25)]
    current = dataclasses.replace(current, items=dataclasses.replace(current.items, zones=hostile))
    table = list(csv.reader(io.StringIO(to_csv(current, figures(2, 2025)).lstrip("\ufeff")), delimiter=";"))
    by_key = {r[1]: r for r in table[1:]}
    assert by_key["items.zones.evil"][2] == '\'=HYPERLINK("https://evil.example")'
    assert by_key["items.zones.moins"][2] == "'-1+2"
    assert by_key["audience.net_change"][5] == "-40"  # a fall is a number, never a quoted text
    for r in table[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in r[:3]), r
