"""What a page declares or links to follow it: feeds (``<link rel="alternate">``), calendars (iCalendar links,
webcal:, The Events Calendar's export, Google Calendar embeds), and, when it declares no feed, the common feed paths
of its site to try. Pure functions over a parsed page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from core.model import ItemKind, SourceKind
from watch.proposal import BASE_SCORE, Proposal, Way, make_source

FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/feed+json": "JSON Feed",
    "application/json": "JSON Feed",
    "application/rdf+xml": "RSS",
    "text/xml": "RSS",
    "application/xml": "RSS",
}
# Tried in this order when the page declares no feed, at most MAX_GUESSES of them (WordPress, Drupal, Joomla,
# SPIP, static generators): a polite number of requests to one site.
COMMON_PATHS = ("/feed/", "/rss.xml", "/index.xml", "/feed.xml", "/atom.xml", "/?format=feed", "/spip.php?page=backend")
MAX_GUESSES = 4
MAX_DECLARED = 6
_COMMENTS = re.compile(r"comment|commentaire|kommentar", re.IGNORECASE)
_EXPORT = re.compile(r"ical|icalendar|\.ics\b|export(?:er)?\s+(?:l'|l’)?(?:agenda|calendrier|les\s+événements|events)",
                     re.IGNORECASE)  # fmt: skip
_ICS_HREF = re.compile(r"\.ics(?:$|[?#])|[?&](?:outlook-)?ical=1\b|[?&](?:format|export|output)=ical\b")
_ICAL_WORD = re.compile(r"(?:^|[/?&=._-])i?cal(?:endar)?(?:$|[/?&=._-])")


def declared_feeds(tree: LexborHTMLParser, page_url: str, title: str) -> list[Proposal]:
    """``<link rel="alternate">`` feeds, the site's entries feed first: comment feeds and one article's own
    feed (WordPress's ``…/article/feed/``) rank after it."""
    out: list[Proposal] = []
    seen: set[str] = set()
    for node in tree.css("link[href]"):
        rel = (node.attributes.get("rel") or "").lower().split()
        ctype = (node.attributes.get("type") or "").lower().split(";")[0].strip()
        if "alternate" not in rel or ctype not in FEED_TYPES:
            continue
        if ctype in {"application/json", "text/xml", "application/xml"} and not _feedish(node.attributes.get("href")):
            continue  # oEmbed and other JSON/XML alternates are not feeds
        url = urljoin(page_url, (node.attributes.get("href") or "").strip())
        if url in seen or not url.startswith(("http://", "https://")):
            continue
        seen.add(url)
        label = " ".join((node.attributes.get("title") or "").split())
        score = BASE_SCORE[Way.FEED] - len(out) * 0.5
        if _COMMENTS.search(label) or _COMMENTS.search(url):
            score -= 40
        if _own_feed(url, page_url):
            score -= 20
        reason = f"Flux {FEED_TYPES[ctype]} déclaré par la page" + (f" : « {label[:80]} »" if label else "")
        out.append(Proposal(Way.FEED, make_source(url, SourceKind.FEED, label or title), reason, score))
        if len(out) >= MAX_DECLARED:
            break
    return out


def _feedish(href: str | None) -> bool:
    return bool(href) and bool(re.search(r"feed|rss|atom|backend|\.xml", href or "", re.IGNORECASE))


def _own_feed(feed: str, page: str) -> bool:
    """A feed under the page's own path (``/2023/11/07/article/feed/``): that article's comments, not the site."""
    f, p = urlsplit(feed), urlsplit(page)
    page_path = p.path.rstrip("/")
    return f.netloc == p.netloc and len(page_path) > 1 and f.path.startswith(page_path + "/")


def calendars(tree: LexborHTMLParser, page_url: str, title: str) -> list[Proposal]:
    """Calendars the page declares or links: ``text/calendar`` alternates, ``.ics`` and ``webcal:`` links, The
    Events Calendar's ``?ical=1`` export, Google Calendar embeds (their public iCal address)."""
    found: dict[str, str] = {}
    for node in tree.css('link[type="text/calendar"][href]'):
        found.setdefault(urljoin(page_url, node.attributes.get("href") or ""), "Agenda iCalendar déclaré par la page")
    for node in tree.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        low = href.lower()
        text = " ".join(node.text(deep=True).split())
        if low.startswith("webcal:"):
            found.setdefault("https:" + href[len("webcal:") :], "Lien d'abonnement webcal:")
        elif _ICS_HREF.search(low) or (_EXPORT.search(text) and _ICAL_WORD.search(low)):
            found.setdefault(urljoin(page_url, href), f"Lien « {text[:60] or 'iCal'} » vers un agenda .ics")
    for node in tree.css("iframe[src]"):
        src = node.attributes.get("src") or ""
        if "calendar.google.com/calendar" in src and "embed" in src:
            for cal in parse_qs(urlsplit(src).query).get("src", []):
                ical = f"https://calendar.google.com/calendar/ical/{quote(cal, safe='')}/public/basic.ics"
                found.setdefault(ical, "Agenda Google intégré à la page (son adresse iCal publique)")
    out = []
    for i, (url, reason) in enumerate(list(found.items())[:MAX_DECLARED]):
        if not url.startswith(("http://", "https://")):
            continue
        source = make_source(url, SourceKind.ICAL, f"Agenda — {title}", ItemKind.EVENT)
        out.append(Proposal(Way.CALENDAR, source, reason, BASE_SCORE[Way.CALENDAR] - i * 0.5))
    return out


# The feed path of the tool a page says it was made with (``<meta name="generator">``, or its markup), tried first.
GENERATOR_PATHS = (
    (r"wordpress|wp-content", "/feed/"),
    (r"drupal", "/rss.xml"),
    (r"joomla", "/?format=feed"),
    (r"spip", "/spip.php?page=backend"),
    (r"hugo|jekyll|gatsby|eleventy", "/index.xml"),
)


def guesses(page_url: str, generator: str = "") -> list[str]:
    """Common feed addresses of the page's site, the one of its generator first, at most :data:`MAX_GUESSES`."""
    parts = urlsplit(page_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return []
    root = f"{parts.scheme}://{parts.netloc}"
    first = [path for words, path in GENERATOR_PATHS if re.search(words, generator, re.IGNORECASE)]
    return [root + p for p in dict.fromkeys([*first, *COMMON_PATHS])][:MAX_GUESSES]


def generator_of(tree: LexborHTMLParser, text: str) -> str:
    """What made the page: its generator meta, else the tell-tale paths of its markup."""
    node = tree.css_first('meta[name="generator"]')
    named = (node.attributes.get("content") or "") if node is not None else ""
    tells = " ".join(t for t in ("wp-content", "spip.php", "/sites/default/files", "joomla") if t in text[:200_000])
    return f"{named} {tells}".replace("/sites/default/files", "drupal")


__all__ = ["COMMON_PATHS", "MAX_GUESSES", "calendars", "declared_feeds", "generator_of", "guesses"]
