"""Discovery's pure decisions on pages written for the project: what a page offers to follow, best first, and what
the collector then reads with the proposed options. No network: the orchestrator is tested in test_discovery.py."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.model import ItemKind, SourceKind
from watch.discover import MAX_GUESSES, Way, rank, read_page, sniff
from watch.parse import parse_body

DATA = Path(__file__).parent / "data" / "discovery"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
CALLS = "https://reseau.example.org/appels/"


def page(name: str, url: str, ctype: str = "text/html; charset=utf-8") -> tuple[bytes, str, str]:
    return (DATA / name).read_bytes(), url, ctype


def test_a_list_page_without_selectors_gets_an_html_source_whose_items_are_the_list() -> None:
    body, url, ctype = page("appels.html", CALLS)
    found = read_page(body, url, ctype, reference=NOW)
    best = rank(found.proposals)[0]
    assert best.way == Way.BLOCKS and best.source.kind == SourceKind.HTML and best.source.url == CALLS
    opts = best.source.options
    assert opts["item"] == "div.liste-appels > div.appel.carte"
    assert opts["deadline"] == "p.carte-date"  # « Date limite : … » reads as a closing date
    assert best.source.item_kind == ItemKind.CALL
    # the collector reads the proposal like any html source: the six calls, not the menu, sidebar or footer
    items = [e.item for e in parse_body(best.source, body, url, ctype, reference=NOW)]
    assert [i.title for i in items][:2] == [
        "Fonds régional pour les initiatives de jeunes solidaires 2027",
        "Microprojets en Afrique de l'Ouest : deuxième session",
    ]
    assert len(items) == 6
    assert items[0].url == "https://reseau.example.org/appels/fonds-jeunesse-2027/"
    assert items[0].deadline == date(2027, 3, 15)
    assert items[0].summary and "18 à 30 ans" in items[0].summary
    assert found.guesses and len(found.guesses) <= MAX_GUESSES  # no feed declared: a few common paths to try
    assert all(g.startswith("https://reseau.example.org/") for g in found.guesses)


def test_declared_feeds_come_first_the_site_feed_before_comments_and_oembed() -> None:
    body, url, ctype = page("actualites.html", "https://maison.example.org/actualites/")
    ranked = rank(read_page(body, url, ctype, reference=NOW).proposals)
    assert ranked[0].way == Way.FEED and ranked[0].source.url == "https://maison.example.org/feed/"
    urls = [p.source.url for p in ranked]
    assert urls.index("https://maison.example.org/comments/feed/") > urls.index("https://maison.example.org/feed/")
    assert not any("oembed" in u for u in urls)


def test_calendars_are_found_ical_export_webcal_and_google_embed() -> None:
    body, url, ctype = page("actualites.html", "https://maison.example.org/actualites/")
    cals = [p for p in read_page(body, url, ctype, reference=NOW).proposals if p.way == Way.CALENDAR]
    urls = {p.source.url for p in cals}
    assert urls == {
        "https://maison.example.org/evenements/?ical=1",  # The Events Calendar's export
        "https://maison.example.org/agenda.ics",  # webcal: as https:
        "https://calendar.google.com/calendar/ical/agenda%40maison.example.org/public/basic.ics",
    }
    assert all(p.source.kind == SourceKind.ICAL and p.source.item_kind == ItemKind.EVENT for p in cals)


def test_a_word_containing_ical_is_no_calendar() -> None:
    html = (
        b'<html><body><a href="/technical-support/">Technical support</a><a href="/musical/">Musical</a></body></html>'
    )
    found = read_page(html, "https://a.example.org/", "text/html", reference=NOW)
    assert not [p for p in found.proposals if p.way == Way.CALENDAR]


def test_relative_spip_feed_behind_base_href() -> None:
    html = (
        b'<html><head><base href="https://www.spip.example.org/site/">'
        b'<link rel="alternate" type="application/rss+xml" title="Le site" href="spip.php?page=backend">'
        b"</head><body><p>Article</p></body></html>"
    )
    found = read_page(html, "https://www.spip.example.org/site/spip.php?article12", "text/html", reference=NOW)
    assert rank(found.proposals)[0].source.url == "https://www.spip.example.org/site/spip.php?page=backend"
    assert found.guesses == []  # a declared feed: nothing is guessed


def test_json_ld_job_postings_are_proposed_as_structured_data() -> None:
    jobs = ",".join(
        f'{{"@type": "JobPosting", "title": "Chargé·e de mission {i}", "url": "/offres/{i}", '
        f'"datePosted": "2026-11-0{i}", "validThrough": "2027-01-1{i}"}}'
        for i in range(1, 4)
    )
    script = f'<script type="application/ld+json">[{jobs}]</script>'
    html = f"<html><head><title>Offres</title>{script}</head><body></body></html>"
    found = read_page(html.encode(), "https://emplois.example.org/", "text/html", reference=NOW)
    best = rank(found.proposals)[0]
    assert best.way == Way.STRUCTURED and best.source.item_kind == ItemKind.JOB and "JobPosting" in best.reason
    items = [e.item for e in parse_body(best.source, html.encode(), best.source.url, "text/html", reference=NOW)]
    assert [i.deadline for i in items] == [date(2027, 1, 11), date(2027, 1, 12), date(2027, 1, 13)]


def test_microdata_events_become_selectors_over_itemprop() -> None:
    events = "".join(
        f'<div itemscope itemtype="https://schema.org/Event"><a href="/agenda/{i}" itemprop="url">'
        f'<span itemprop="name">Rencontre régionale n°{i}</span></a>'
        f'<time itemprop="startDate" datetime="2027-02-0{i}">{i} février 2027</time></div>'
        for i in range(1, 5)
    )
    html = f"<html><head><title>Agenda</title></head><body><main>{events}</main></body></html>".encode()
    found = read_page(html, "https://agenda.example.org/", "text/html", reference=NOW)
    micro = next(p for p in found.proposals if p.way == Way.STRUCTURED)
    assert micro.source.options["item"] == '[itemtype$="Event"]'  # MusicEvent, SocialEvent… too
    assert micro.source.item_kind == ItemKind.EVENT and "microdonnées" in micro.reason
    items = [e.item for e in parse_body(micro.source, html, micro.source.url, "text/html", reference=NOW)]
    assert items[0].title == "Rencontre régionale n°1" and len(items) == 4
    assert items[0].url == "https://agenda.example.org/agenda/1"


def test_an_address_that_is_a_feed_or_a_calendar_is_proposed_as_such() -> None:
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>'
    assert sniff(rss, "application/xml") == "feed"
    found = read_page(rss, "https://a.example.org/rss", "application/xml", reference=NOW)
    assert [(p.way, p.source.kind) for p in found.proposals] == [(Way.FEED, SourceKind.FEED)]
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    found = read_page(ics, "https://a.example.org/agenda", "text/plain", reference=NOW)
    assert [(p.way, p.source.kind) for p in found.proposals] == [(Way.CALENDAR, SourceKind.ICAL)]


def test_nothing_usable_is_said_plainly_pdf_login_javascript() -> None:
    pdf = read_page(b"%PDF-1.7\n...", "https://a.example.org/appel.pdf", "application/pdf", reference=NOW)
    assert pdf.proposals == [] and pdf.problem and "PDF" in pdf.problem
    login = (
        b"<html><head><title>Connexion</title></head><body><form><input name=u>"
        b'<input type="password" name="p"><button>Se connecter</button></form></body></html>'
    )
    found = read_page(login, "https://extranet.example.org/", "text/html", reference=NOW)
    assert found.proposals == [] and found.problem and "se connecter" in found.problem
    spa = (
        b'<html><head><title>Appels</title><script src="/app.js"></script></head>'
        b'<body><div id="root"></div><noscript>Activez JavaScript pour utiliser ce site.</noscript></body></html>'
    )
    found = read_page(spa, "https://spa.example.org/", "text/html", reference=NOW)
    assert found.proposals == [] and found.problem and "JavaScript" in found.problem


def test_identical_blocks_are_flagged_and_rank_low() -> None:
    block = (
        '<div class="carte"><h3><a href="/appel">Appel à projets</a></h3><p>Texte identique du bloc répété.</p></div>'
    )
    html = f"<html><body><div class='liste'>{block * 12}</div></body></html>".encode()
    found = read_page(html, "https://a.example.org/", "text/html", reference=NOW)
    blocks = [p for p in found.proposals if p.way == Way.BLOCKS]
    assert blocks and "même titre" in blocks[0].reason and blocks[0].score < 40


def test_a_page_of_20000_links_and_a_5_mb_page_give_a_proposal_or_a_message() -> None:
    links = "".join(f'<a href="/l/{i}">lien numéro {i}</a> ' for i in range(20_000))
    found = read_page(f"<html><body><p>{links}</p></body></html>".encode(), CALLS, "text/html", reference=NOW)
    assert found.proposals or found.problem
    body, _, _ = page("appels.html", CALLS)
    padding = b'<div class="pub"><span>annonce</span></div>' * 120_000  # ~5 MB of markup before the list
    big = body.replace(b"<main", padding + b"<main", 1)
    assert len(big) > 5_000_000
    found = read_page(big, CALLS, "text/html", reference=NOW)
    assert rank(found.proposals)[0].source.options["item"] == "div.liste-appels > div.appel.carte"


def test_a_page_in_another_charset_keeps_its_accents() -> None:
    body, url, _ = page("appels.html", CALLS)
    latin = body.decode("utf-8").replace('charset="utf-8"', 'charset="windows-1252"').encode("cp1252")
    found = read_page(latin, url, "text/html; charset=windows-1252", reference=NOW)
    best = rank(found.proposals)[0]
    items = [e.item for e in parse_body(best.source, latin, url, "text/html; charset=windows-1252", reference=NOW)]
    assert items[2].title == "Éducation à la citoyenneté mondiale dans les collèges du département"


def test_proposals_serialise_with_the_keys_of_a_sources_table() -> None:
    body, url, ctype = page("appels.html", CALLS)
    p = rank(read_page(body, url, ctype, reference=NOW).proposals)[0]
    d = p.as_dict()
    assert set(d["source"]) == {"name", "url", "kind", "item_kind", "options"} and d["reason"]


def test_a_json_api_gets_its_list_and_fields_guessed_from_their_names() -> None:
    body = (Path(__file__).parents[2] / "demo" / "sources" / "emplois.json").read_bytes()
    found = read_page(body, "https://api.emplois.example.org/v1/jobs", "application/json", reference=NOW)
    best = rank(found.proposals)[0]
    assert best.way == Way.API and best.source.kind == SourceKind.JSON and best.source.item_kind == ItemKind.JOB
    opts = best.source.options
    # the mapping config.toml writes by hand for the demo's job API
    assert {k: opts[k] for k in ("items", "id", "title", "url", "deadline", "country")} == {
        "items": "data", "id": "id", "title": "fields.title", "url": "fields.url_alias",
        "deadline": "fields.date.closing", "country": "fields.country.name",
    }  # fmt: skip
    items = [e.item for e in parse_body(best.source, body, best.source.url, "application/json", reference=NOW)]
    assert len(items) == 9 and all(i.title and i.deadline for i in items)
    nothing = read_page(b'{"status": "ok", "count": 0}', "https://api.example.org/", "application/json", reference=NOW)
    assert nothing.proposals == [] and nothing.problem and "API JSON" in nothing.problem


def _detected(html: str) -> list[dict[str, str]]:
    found = read_page(html.encode(), "https://reseau.example.org/blog/", "text/html", reference=NOW)
    return [p.source.options for p in rank(found.proposals) if p.way == Way.BLOCKS]


def test_posts_grouped_in_unlabelled_month_boxes_are_the_items_not_the_boxes() -> None:
    months = "".join(
        "<div>"
        + "".join(
            f'<div class="post"><a href="/blog/{m}-{i}">Billet {i} du mois {m} sur la coopération</a>'
            f'<div class="sous-titre">et ce que nous en retenons</div></div>'
            for i in range(4)
        )
        + "</div>"
        for m in range(6)
    )
    best = _detected(f'<html><body><div class="colonne">{months}</div></body></html>')[0]
    assert best["item"].endswith("div.post")


def test_cards_spread_over_two_rows_of_boxes_are_one_list() -> None:
    def row(start: int) -> str:
        cards = "".join(
            f'<a class="carte" href="/actu/{i}"><span class="theme">Thème</span>'
            f"<h4>Actualité numéro {i} du réseau régional</h4><p>Un résumé de l'actualité {i}.</p></a>"
            for i in range(start, start + 3)
        )
        return f'<section class="bloc"><div class="rangee">{cards}</div></section>'

    page = f'<html><body><main>{row(0)}<div class="encart">Adhérez au réseau</div>{row(3)}</main></body></html>'
    best = _detected(page)[0]
    body = page.encode()
    source = next(p.source for p in read_page(body, CALLS, "text/html", reference=NOW).proposals if p.way == Way.BLOCKS)
    assert best["item"] == "div.rangee > a.carte"
    assert len(parse_body(source, body, CALLS, "text/html", reference=NOW)) == 6


def test_the_common_feed_path_of_the_pages_generator_is_tried_first() -> None:
    def first_guess(head: str, body: str = "") -> str:
        html = f"<html><head>{head}</head><body><p>Texte</p>{body}</body></html>".encode()
        return read_page(html, "https://site.example.org/page", "text/html", reference=NOW).guesses[0]

    assert first_guess('<meta name="generator" content="Joomla! - Open Source Content Management">').endswith(
        "/?format=feed"
    )
    assert first_guess('<meta name="generator" content="Drupal 10 (https://www.drupal.org)">').endswith("/rss.xml")
    assert first_guess("", '<img src="/wp-content/uploads/logo.png">').endswith("/feed/")
    assert first_guess('<meta name="generator" content="SPIP 4.2">').endswith("/spip.php?page=backend")
    html = b"<html><body><p>Texte</p></body></html>"
    assert len(read_page(html, "https://site.example.org/", "text/html", reference=NOW).guesses) == MAX_GUESSES


def test_rdfa_events_become_selectors_with_their_start_and_place() -> None:
    events = "".join(
        f'<div vocab="https://schema.org/" typeof="Event"><a href="/agenda/{i}" property="url">'
        f'<span property="name">Atelier migrations et solidarité n°{i}</span></a>'
        f'<time property="startDate" datetime="2027-03-0{i}T18:30:00+01:00">{i} mars 2027, 18 h 30</time>'
        f'<span property="location" typeof="Place"><span property="name">Maison des associations, Lyon</span></span>'
        f"</div>"
        for i in range(1, 5)
    )
    html = f"<html><head><title>Agenda</title></head><body><main>{events}</main></body></html>".encode()
    found = read_page(html, "https://agenda.example.org/", "text/html", reference=NOW)
    rdfa = next(p for p in found.proposals if p.way == Way.STRUCTURED and "RDFa" in p.reason)
    assert rdfa.source.options["item"] == '[typeof$="Event"]' and rdfa.source.item_kind == ItemKind.EVENT
    assert rdfa.source.options["starts_at"] == '[property$="startDate"]'
    items = [e.item for e in parse_body(rdfa.source, html, rdfa.source.url, "text/html", reference=NOW)]
    assert [i.title for i in items][:1] == ["Atelier migrations et solidarité n°1"] and len(items) == 4
    assert items[0].starts_at is not None and items[0].starts_at.isoformat() == "2027-03-01T17:30:00+00:00"
    assert items[0].place == "Maison des associations, Lyon"


def test_an_agendas_list_reads_its_dates_as_the_events_start() -> None:
    rows = "".join(
        f'<li class="evenement"><h3><a href="/agenda/{i}">Ciné-débat sur la souveraineté alimentaire n°{i}</a></h3>'
        f'<p class="quand">{10 + i} mars 2027</p><p class="ou">Salle des fêtes, Villeurbanne</p></li>'
        for i in range(5)
    )
    html = f"<html><head><title>Agenda du réseau</title></head><body><ul class='agenda'>{rows}</ul></body></html>"
    best = rank(read_page(html.encode(), "https://reseau.example.org/agenda/", "text/html", reference=NOW).proposals)[0]
    assert best.source.item_kind == ItemKind.EVENT and best.source.options["starts_at"] == "p.quand"
    items = [e.item for e in parse_body(best.source, html.encode(), best.source.url, "text/html", reference=NOW)]
    start = items[0].starts_at
    assert start is not None and start.astimezone(ZoneInfo("Europe/Paris")).date() == date(2027, 3, 10)
