"""The discovery orchestrator against a site served on 127.0.0.2 (the only trusted address): declared feeds fetched
and previewed through the outbound policy, common feed paths tried politely, and every kind of bad input ending in
a French message or a proposal. Names resolve through a fake resolver: nothing leaves 127.0.0.0/8."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest

from core.clock import FrozenClock
from core.model import SourceKind
from core.settings import WatchSettings
from storage.database import Database
from tests.watch.helpers import HOST, FakeResolver, Responder, http_server
from watch.discover import MAX_GUESSES, Way
from watch.discovery import Discovery, discover
from watch.service import Watch

DATA = Path(__file__).parent / "data" / "discovery"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def rss(titles: Sequence[tuple[str, str]]) -> bytes:
    entries = "".join(f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid></item>" for t, link in titles)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Flux</title>{entries}</channel></rss>'.encode()


class Site(Responder):
    port: ClassVar[int] = 0
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Site.hits.append(self.path)
        base = f"http://{HOST}:{self.port}"
        html = "text/html; charset=utf-8"
        if self.path == "/appels/":
            self.send(200, (DATA / "appels.html").read_bytes(), Content_Type=html)
        elif self.path == "/feed/":  # the site's feed, undeclared: found among the common paths
            calls = [
                ("Fonds régional pour les initiatives de jeunes solidaires 2027", f"{base}/appels/fonds-jeunesse-2027/")
            ]
            self.send(200, rss(calls), Content_Type="application/rss+xml")
        elif self.path == "/actualites/":
            links = "".join(
                f'<link rel="alternate" type="application/rss+xml" title="{t}" href="{h}">'
                for t, h in [
                    ("Flux du site", f"{base}/actualites/flux.xml"),
                    ("Flux privé", f"http://127.0.0.1:{self.port}/actualites/flux.xml"),
                    ("Flux ailleurs", "http://flux.ailleurs.example/rss"),
                    ("Flux intranet", "http://intranet.example/rss"),
                    ("Flux fichier", "file:///etc/passwd"),
                ]
            )
            body = (DATA / "appels.html").read_text(encoding="utf-8").replace("</head>", links + "</head>")
            self.send(200, body.encode(), Content_Type=html)
        elif self.path == "/actualites/flux.xml":
            self.send(200, rss([("Bilan de l'année", f"{base}/bilan/")]), Content_Type="application/rss+xml")
        elif self.path == "/lent/":
            link = f'<link rel="alternate" type="application/rss+xml" href="{base}/lent/flux.xml">'
            body = (DATA / "appels.html").read_text(encoding="utf-8").replace("</head>", link + "</head>")
            self.send(200, body.encode(), Content_Type=html)
        elif self.path == "/lent/flux.xml":
            time.sleep(3)  # longer than the search's budget in the test
            self.send(200, rss([]), Content_Type="application/rss+xml")
        elif self.path == "/boucle":
            self.send(302, Location="/boucle")
        elif self.path == "/appel.pdf":
            self.send(200, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", Content_Type="application/pdf")
        elif self.path == "/latin/":
            body = (DATA / "appels.html").read_text(encoding="utf-8").replace('charset="utf-8"', "")
            self.send(200, body.encode("cp1252"), Content_Type="text/html; charset=windows-1252")
        elif self.path == "/app/":
            self.send(200, b'<html><head><title>Appels</title><script src="/app.js"></script></head>'
                           b'<body><div id="root"></div></body></html>', Content_Type=html)  # fmt: skip
        else:
            self.send(404, b"introuvable", Content_Type="text/plain")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with http_server(Site, HOST) as port:
        Site.port = port
        yield f"http://{HOST}:{port}"


@pytest.fixture
def watch(db: Database) -> Watch:
    settings = WatchSettings(timeout=5.0, max_redirects=3, trusted_networks=[f"{HOST}/32"])
    resolver = FakeResolver({"intranet.example": ["192.168.1.10"]})
    return Watch(db=db, settings=settings, clock=FrozenClock(NOW), resolver=resolver)


def test_a_list_page_with_an_undeclared_feed_proposes_the_feed_found_at_a_common_path(site: str, watch: Watch) -> None:
    Site.hits.clear()
    found = watch.discover(f"{site}/appels/")
    assert found.problem is None
    best = found.proposals[0]
    # the feed answered at /feed/ and its item is on the page: it wins over the selectors
    assert best.way == Way.GUESSED_FEED and best.source.url == f"{site}/feed/" and best.items
    blocks = next(p for p in found.proposals if p.way == Way.BLOCKS)
    assert blocks.source.kind == SourceKind.HTML and len(blocks.items) == 6 and blocks.items[0].deadline
    # polite: the page, then common paths one by one until the first feed (never more than MAX_GUESSES)
    assert Site.hits == ["/appels/", "/feed/"] and len(found.tried) <= MAX_GUESSES


def test_declared_feeds_are_fetched_under_the_policy_private_off_site_and_files_refused(
    site: str, watch: Watch
) -> None:
    Site.hits.clear()
    found = watch.discover(f"{site}/actualites/")
    best = found.proposals[0]
    assert best.source.url == f"{site}/actualites/flux.xml" and best.items[0].title == "Bilan de l'année"
    errors = {p.source.url: p.error for p in found.proposals if p.error}
    assert errors[f"http://127.0.0.1:{Site.port}/actualites/flux.xml"] == (
        "refusé ou injoignable : adresse interne refusée : 127.0.0.1"
    )
    assert errors["http://intranet.example/rss"] == "refusé ou injoignable : adresse interne refusée : 192.168.1.10"
    assert errors["http://flux.ailleurs.example/rss"].startswith("refusé ou injoignable : nom de domaine introuvable")
    assert not any(p.source.url.startswith("file:") for p in found.proposals)
    # refused candidates rank last, after the page's own list
    ways = [p.way for p in found.proposals]
    assert ways.index(Way.BLOCKS) < len(ways) - 3
    assert "/etc/passwd" not in " ".join(Site.hits)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/boucle", "trop de redirections"),
        ("/appel.pdf", "PDF"),
        ("/introuvable/", "HTTP 404"),
    ],
)
def test_bad_addresses_give_a_french_message(site: str, watch: Watch, path: str, words: str) -> None:
    found = watch.discover(site + path)
    assert found.problem and words in found.problem
    assert not any(p.items for p in found.proposals)


def test_a_candidate_that_does_not_answer_in_the_budget_is_listed_with_that_reason(site: str, watch: Watch) -> None:
    async def run() -> Discovery:
        async with watch.fetcher() as fetcher:
            return await discover(fetcher, f"{site}/lent/", reference=NOW, budget=0.5)

    found = asyncio.run(run())
    slow = next(p for p in found.proposals if p.source.url == f"{site}/lent/flux.xml")
    assert slow.error == "pas de réponse dans les 0.5 s de la recherche"
    assert found.proposals[0].way == Way.BLOCKS and found.proposals[0].items  # the page's own list still comes


def test_a_javascript_only_page_of_a_site_with_a_feed_gets_the_feed(site: str, watch: Watch) -> None:
    found = watch.discover(f"{site}/app/")
    assert found.problem is None and found.proposals[0].way == Way.GUESSED_FEED and found.proposals[0].items


def test_a_private_or_file_address_pasted_is_refused_by_the_policy(watch: Watch) -> None:
    found = watch.discover(f"http://127.0.0.1:{Site.port or 1}/appels/")
    assert found.problem == "Impossible de lire la page : adresse interne refusée : 127.0.0.1."
    found = watch.discover("/etc/passwd")
    assert found.problem and "fichier local refusé" in found.problem


def test_a_page_in_windows_1252_gives_its_items_with_their_accents(site: str, watch: Watch) -> None:
    found = watch.discover(f"{site}/latin/")
    blocks = next(p for p in found.proposals if p.way == Way.BLOCKS)
    assert blocks.items[2].title == "Éducation à la citoyenneté mondiale dans les collèges du département"
