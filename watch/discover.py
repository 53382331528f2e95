"""Discovery's decisions: what a fetched page offers to follow, as pure functions (no network, no database).

    page bytes | what it is (a feed, a calendar, a PDF, a page) | declared feeds and calendars | structured data
               | repeated item blocks | what is wrong when nothing is usable  ->  Findings (proposals, best first)

The orchestrator (:mod:`watch.discovery`) fetches the page, hands it here, fetches the addresses this module asks
it to try (declared feeds, a few common feed paths), previews each proposal and orders them with :func:`rank`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, quote, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from core.model import Item, ItemKind, Source, SourceKind
from watch.blocks import Blocks, detect
from watch.entry import decode
from watch.json_paths import guess
from watch.parse_html import base_url, jsonld_objects

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
STRUCTURED_TYPES = {"Event", "JobPosting", "Grant", "MonetaryGrant", "ItemList"}
KIND_OF_TYPE = {"Event": ItemKind.EVENT, "JobPosting": ItemKind.JOB, "Grant": ItemKind.FUNDING,
                "MonetaryGrant": ItemKind.FUNDING}  # fmt: skip
_COMMENTS = re.compile(r"comment|commentaire|kommentar", re.IGNORECASE)
_EXPORT = re.compile(r"ical|icalendar|\.ics\b|export(?:er)?\s+(?:l'|l’)?(?:agenda|calendrier|les\s+événements|events)",
                     re.IGNORECASE)  # fmt: skip
_ICS_HREF = re.compile(r"\.ics(?:$|[?#])|[?&](?:outlook-)?ical=1\b|[?&](?:format|export|output)=ical\b")
_ICAL_WORD = re.compile(r"(?:^|[/?&=._-])i?cal(?:endar)?(?:$|[/?&=._-])")
_JS_WORDS = re.compile(r"enable javascript|activer javascript|activez javascript|javascript (?:est )?requis|"
                       r"requires javascript|javascript is (?:disabled|required)", re.IGNORECASE)  # fmt: skip
_LOGIN = re.compile(r"connexion|se connecter|identifiez-vous|log ?in|sign ?in|mot de passe|password", re.IGNORECASE)


class Way(StrEnum):
    """How a proposal follows the page, best kinds first."""

    FEED = "feed"  # a feed the page declares
    CALENDAR = "calendar"
    GUESSED_FEED = "guessed_feed"  # a common feed path of the site that answered with a feed
    STRUCTURED = "structured"  # schema.org objects in the page
    BLOCKS = "blocks"  # repeated item blocks, with derived selectors
    API = "api"  # a JSON API, its list and fields guessed from their names


BASE_SCORE = {Way.FEED: 100.0, Way.CALENDAR: 90.0, Way.GUESSED_FEED: 85.0, Way.STRUCTURED: 70.0, Way.BLOCKS: 40.0,
              Way.API: 80.0}  # fmt: skip


@dataclass(slots=True)
class Proposal:
    """One way to follow the page: a source definition (what ``[[sources]]`` would hold), why, and its preview."""

    way: Way
    source: Source
    reason: str
    score: float
    items: list[Item] = field(default_factory=list)
    error: str | None = None  # the candidate could not be read (refused by the outbound policy, not a feed…)
    checked: bool = False  # the orchestrator fetched and parsed it

    def as_dict(self, preview: int = 10) -> dict[str, Any]:
        s = self.source
        return {
            "source": {"name": s.name, "url": s.url, "kind": str(s.kind), "item_kind": str(s.item_kind),
                       "options": dict(s.options)},
            "way": str(self.way),
            "reason": self.reason,
            "score": round(self.score, 2),
            "error": self.error,
            "items": [{"title": i.title, "url": i.url, "published_at": i.published_at.isoformat() if i.published_at
                       else None, "deadline": i.deadline.isoformat() if i.deadline else None,
                       "starts_at": i.starts_at.isoformat() if i.starts_at else None} for i in self.items[:preview]],
        }  # fmt: skip


@dataclass(slots=True)
class Findings:
    """What the page offers: proposals (unchecked feeds included), addresses worth trying, and, when nothing is
    usable, why, in French."""

    title: str
    proposals: list[Proposal] = field(default_factory=list)
    guesses: list[str] = field(default_factory=list)  # common feed paths to try when no feed is declared
    problem: str | None = None
    blocks: list[Blocks] = field(default_factory=list)


def _source(
    url: str, kind: SourceKind, name: str, item_kind: ItemKind = ItemKind.NEWS, options: dict[str, Any] | None = None
) -> Source:
    return Source(name=name[:200] or url[:200], url=url, kind=kind, item_kind=item_kind, options=dict(options or {}),
                  origin="admin")  # fmt: skip


_KIND_WORDS = (
    (ItemKind.TRAINING, r"formations?\b|training"),
    (ItemKind.JOB, r"emplois?\b|offres? d'emploi|recrut|jobs?\b|careers?|volontariat"),
    (ItemKind.EVENT, r"agenda|[ée]v[ée]nements?|events?\b|rencontres"),
    (ItemKind.FUNDING, r"financements?|subventions?|funding|grants?\b"),
    (ItemKind.CALL, r"appels? (?:à|a) projets?|appels? d'offres|calls? for"),
)


def item_kind_of(title: str, url: str, *, deadline: bool) -> ItemKind:
    """What the page lists, by the words of its title and address; a list with closing dates is of calls."""
    text = f"{title} {url}".lower()
    for kind, words in _KIND_WORDS:
        if re.search(words, text):
            return kind
    return ItemKind.CALL if deadline else ItemKind.NEWS


def sniff(body: bytes, content_type: str | None) -> str:
    """``pdf``, ``feed``, ``ical``, ``json`` or ``html``: what the body is, by its type and its first bytes."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if ctype == "application/pdf" or head.startswith(b"%pdf"):
        return "pdf"
    if ctype == "text/calendar" or head.startswith(b"begin:vcalendar"):
        return "ical"
    if ctype in {"application/rss+xml", "application/atom+xml", "application/feed+json"} or (
        head.startswith(b"<?xml") and (b"<rss" in body[:2048].lower() or b"<feed" in body[:2048].lower()
                                       or b"<rdf:rdf" in body[:2048].lower())
    ) or head.startswith((b"<rss", b"<feed")):  # fmt: skip
        return "feed"
    if head.startswith((b"{", b"[")):
        return "feed" if b"jsonfeed.org" in body[:4096] else "json"
    return "html"


def read_page(body: bytes, url: str, content_type: str | None, *, reference: datetime) -> Findings:
    """Everything the page itself says; nothing fetched."""
    what = sniff(body, content_type)
    if what == "pdf":
        return Findings(url, problem="C'est un document PDF, pas une page web : Relais ne suit pas les PDF. "
                                     "Collez l'adresse de la page qui publie ces documents.")  # fmt: skip
    if what in {"feed", "ical"}:
        source_kind = SourceKind.FEED if what == "feed" else SourceKind.ICAL
        reason = (
            "L'adresse est elle-même un flux." if what == "feed" else "L'adresse est elle-même un agenda iCalendar."
        )
        way = Way.FEED if what == "feed" else Way.CALENDAR
        item_kind = ItemKind.EVENT if what == "ical" else ItemKind.NEWS
        return Findings(url, [Proposal(way, _source(url, source_kind, url, item_kind), reason, BASE_SCORE[way] + 5)])
    if what == "json":
        return _api(body, url, content_type)
    text = decode(body, content_type)
    tree = LexborHTMLParser(text)
    page_url = base_url(tree, url)
    title_node = tree.css_first("title")
    title = " ".join((title_node.text() if title_node is not None else "").split())[:200] or url
    found = Findings(title)
    found.proposals += declared_feeds(tree, page_url, title)
    found.proposals += calendars(tree, page_url, title)
    found.proposals += structured(tree, body, page_url, title, content_type)
    found.proposals += microformats(tree, page_url, title)
    found.blocks = detect(tree, page_url, reference=reference)
    for rank_, blocks in enumerate(found.blocks):
        reason = (f"{blocks.count} blocs répétés, chacun avec un lien et un titre"
                  f"{' et une date' if 'date' in blocks.options or 'deadline' in blocks.options else ''}"
                  f" ({blocks.options['item']})")  # fmt: skip
        score = BASE_SCORE[Way.BLOCKS] + min(blocks.score, 20) - 5 * rank_ - (30 if blocks.identical else 0)
        if blocks.identical:
            reason += " ; attention : tous les blocs portent le même titre"
        kind = item_kind_of(title, url, deadline="deadline" in blocks.options)
        found.proposals.append(Proposal(Way.BLOCKS, _source(url, SourceKind.HTML, title, kind, blocks.options),
                                        reason, score))  # fmt: skip
    if not any(p.way in {Way.FEED} for p in found.proposals):
        found.guesses = guesses(url, generator_of(tree, text))  # the page's own site, not its <base href>
    if not found.proposals:
        found.problem = diagnose(tree, title)
    return found


def _api(body: bytes, url: str, content_type: str | None) -> Findings:
    try:
        options = guess(json.loads(decode(body, content_type)))
    except ValueError:
        options = None
    if options is None:
        problem = ("L'adresse renvoie des données JSON sans liste d'éléments reconnue : choisissez le format "
                   "« API JSON » dans le formulaire et indiquez les chemins des champs.")  # fmt: skip
        return Findings(url, problem=problem)
    reason = f"API JSON : liste « {options.get('items') or '(le document)'} », titre « {options['title']} »"
    kind = ItemKind.JOB if re.search(r"job|emploi|offre", url, re.IGNORECASE) else ItemKind.NEWS
    return Findings(url, [Proposal(Way.API, _source(url, SourceKind.JSON, url, kind, options), reason,
                                   BASE_SCORE[Way.API])])  # fmt: skip


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
        out.append(Proposal(Way.FEED, _source(url, SourceKind.FEED, label or title), reason, score))
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
        out.append(Proposal(Way.CALENDAR, _source(url, SourceKind.ICAL, f"Agenda — {title}", ItemKind.EVENT), reason,
                            BASE_SCORE[Way.CALENDAR] - i * 0.5))  # fmt: skip
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


def structured(tree: LexborHTMLParser, body: bytes, page_url: str, title: str, ctype: str | None) -> list[Proposal]:
    """schema.org objects in the page (JSON-LD, microdata, RDFa, read by extruct): JSON-LD is collected as it is;
    microdata items become CSS selectors over their ``itemprop`` attributes."""
    counts = schema_types(body, page_url, ctype)
    out: list[Proposal] = []
    jsonld = [o for o in jsonld_objects(tree) if _types(o) & (STRUCTURED_TYPES - {"ItemList"})]
    if jsonld:
        kinds = sorted({t for o in jsonld for t in _types(o)} & set(KIND_OF_TYPE))
        kind = KIND_OF_TYPE[kinds[0]] if kinds else ItemKind.NEWS
        out.append(Proposal(Way.STRUCTURED, _source(page_url, SourceKind.HTML, title, kind),
                            f"{len(jsonld)} objet(s) schema.org {', '.join(kinds)} en JSON-LD dans la page",
                            BASE_SCORE[Way.STRUCTURED] + min(len(jsonld), 10)))  # fmt: skip
    for schema, n in counts.get("microdata", {}).items():
        if schema not in KIND_OF_TYPE or n < 1:
            continue
        item = f'[itemtype$="schema.org/{schema}"]'
        opts = {"item": item, "title": '[itemprop="name"]', "link": "a[href]"}
        if tree.css_first(f'{item} [itemprop="startDate"]') is not None:
            opts["date"] = '[itemprop="startDate"]'
        if tree.css_first(f'{item} [itemprop="validThrough"]') is not None:
            opts["deadline"] = '[itemprop="validThrough"]'
        if tree.css_first(f'{item} [itemprop="description"]') is not None:
            opts["summary"] = '[itemprop="description"]'
        out.append(Proposal(Way.STRUCTURED, _source(page_url, SourceKind.HTML, title, KIND_OF_TYPE[schema], opts),
                            f"{n} objet(s) schema.org {schema} en microdonnées dans la page",
                            BASE_SCORE[Way.STRUCTURED] + min(n, 10) - 1))  # fmt: skip
    return out


# Microformats (classic and mf2): root class, item kind, then the title, date and summary classes in order of
# preference. A page with three roots or more lists them.
MICROFORMATS = (
    ("h-event", ItemKind.EVENT, (".p-name",), (".dt-start",), (".p-summary", ".p-description")),
    ("vevent", ItemKind.EVENT, (".summary",), (".dtstart",), (".description",)),
    ("h-entry", ItemKind.NEWS, (".p-name",), (".dt-published",), (".p-summary", ".e-content")),
    ("hentry", ItemKind.NEWS, (".entry-title",), (".published", ".updated"), (".entry-summary", ".entry-content")),
    ("h-review", ItemKind.NEWS, (".p-name",), (".dt-published",), (".p-summary", ".e-content")),
    ("hreview", ItemKind.NEWS, (".summary", ".item .fn"), (".dtreviewed",), (".description",)),
)


def microformats(tree: LexborHTMLParser, page_url: str, title: str) -> list[Proposal]:
    """Lists marked up with microformats classes: their selectors are the classes' names."""
    out = []
    for root, kind, titles, dates, summaries in MICROFORMATS:
        items = tree.css(f".{root}")
        if len(items) < 3:
            continue
        opts = {"item": f".{root}"}
        for name, cands in (("title", titles), ("date", dates), ("summary", summaries)):
            for sel in cands:
                if sum(1 for i in items if i.css_first(sel) is not None) >= 0.8 * len(items):
                    opts[name] = sel
                    break
        if "title" not in opts:
            continue
        out.append(Proposal(Way.STRUCTURED, _source(page_url, SourceKind.HTML, title, kind, opts),
                            f"{len(items)} éléments balisés en microformats « {root} »",
                            BASE_SCORE[Way.STRUCTURED] + min(len(items), 10) - 2))  # fmt: skip
        break
    return out


def schema_types(body: bytes, url: str, ctype: str | None) -> dict[str, dict[str, int]]:
    """schema.org types per syntax, counted by extruct (RDFa only when the page uses it: it is the slow one)."""
    import extruct  # heavy import: only discovery pays for it

    text = decode(body, ctype)
    syntaxes = ["microdata"] + (["rdfa"] if "typeof=" in text else [])
    if "itemscope" not in text and len(syntaxes) == 1:
        return {}
    try:
        data = extruct.extract(text, base_url=url, syntaxes=syntaxes, uniform=True, errors="ignore")
    except Exception:  # extruct and its parsers raise their own errors on broken markup: no structured data then
        return {}
    out: dict[str, dict[str, int]] = {}
    for syntax, objects in data.items():
        for obj in objects if isinstance(objects, list) else []:
            for t in _types(obj if isinstance(obj, dict) else {}):
                out.setdefault(syntax, {})
                out[syntax][t] = out[syntax].get(t, 0) + 1
    return out


def _types(obj: dict[str, Any]) -> set[str]:
    raw = obj.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return {str(n).rsplit("/", 1)[-1] for n in names if n}


def diagnose(tree: LexborHTMLParser, title: str) -> str:
    """Why nothing on the page can be followed, plainly."""
    body = tree.body
    text = " ".join((body.text(separator=" ") if body is not None else "").split())
    scripts = len(tree.css("script"))
    if tree.css_first('input[type="password"]') is not None or (len(text) < 600 and _LOGIN.search(title + " " + text)):
        return ("La page demande de se connecter (formulaire de mot de passe) : Relais ne suit que des pages "
                "publiques. Cherchez une version publique, un flux ou une lettre d'information.")  # fmt: skip
    if (len(text) < 300 and scripts) or _JS_WORDS.search(text[:2000]):
        return ("La page est construite par JavaScript dans le navigateur : le HTML reçu ne contient presque aucun "
                f"texte ({len(text)} caractères, {scripts} scripts). Cherchez un flux RSS, un agenda ou l'API "
                "que la page appelle.")  # fmt: skip
    links = len(tree.css("a[href]"))
    return (f"Aucun flux, agenda ni liste d'éléments reconnus sur cette page ({links} liens, {len(text)} caractères "
            "de texte). Indiquez vous-même les sélecteurs CSS dans le formulaire.")  # fmt: skip


def same_items(feed: list[Item], page: list[Item]) -> float:
    """Share of the feed's first items that the page's own list also shows (by link, else by title)."""
    if not feed or not page:
        return 0.0
    links = {i.url for i in page if i.url} | {i.title.strip().lower() for i in page}
    head = feed[:10]
    return sum(1 for i in head if i.url in links or i.title.strip().lower() in links) / len(head)


def rank(proposals: list[Proposal]) -> list[Proposal]:
    """Best first: working proposals with items before empty or failed ones, then by score."""
    return sorted(proposals, key=lambda p: (p.error is None, not p.checked or bool(p.items), p.score), reverse=True)


__all__ = ["Findings", "Proposal", "Way", "rank", "read_page", "same_items", "sniff"]
