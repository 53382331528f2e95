"""Discovery's decisions: what a fetched page offers to follow, as pure functions (no network, no database).

    page bytes | what it is (a feed, a calendar, a PDF, a page) | declared feeds and calendars | structured data
               | repeated item blocks | what is wrong when nothing is usable  ->  Findings (proposals, best first)

What a page declares is read by :mod:`watch.declared`, its schema.org data and microformats by
:mod:`watch.structured`, its item blocks by :mod:`watch.blocks`, a JSON API's fields by :mod:`watch.json_paths`; the
nouns are in :mod:`watch.proposal`. The orchestrator (:mod:`watch.discovery`) fetches the page, hands it here,
fetches the addresses this module asks it to try (declared feeds, a few common feed paths), previews each proposal
and orders them with :func:`rank`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser

from core.model import Item, ItemKind, SourceKind
from watch.blocks import Blocks, detect
from watch.declared import MAX_GUESSES, calendars, declared_feeds, generator_of, guesses
from watch.entry import decode
from watch.json_paths import guess
from watch.parse_html import base_url
from watch.proposal import BASE_SCORE, Proposal, Way, make_source, rank
from watch.structured import microformats, structured

_JS_WORDS = re.compile(r"enable javascript|activer javascript|activez javascript|javascript (?:est )?requis|"
                       r"requires javascript|javascript is (?:disabled|required)", re.IGNORECASE)  # fmt: skip
_LOGIN = re.compile(r"connexion|se connecter|identifiez-vous|log ?in|sign ?in|mot de passe|password", re.IGNORECASE)


@dataclass(slots=True)
class Findings:
    """What the page offers: proposals (unchecked feeds included), addresses worth trying, and, when nothing is
    usable, why, in French."""

    title: str
    proposals: list[Proposal] = field(default_factory=list)
    guesses: list[str] = field(default_factory=list)  # common feed paths to try when no feed is declared
    problem: str | None = None
    blocks: list[Blocks] = field(default_factory=list)


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
        return Findings(
            url, [Proposal(way, make_source(url, source_kind, url, item_kind), reason, BASE_SCORE[way] + 5)]
        )
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
        if kind == ItemKind.EVENT and "date" in blocks.options:  # an agenda's dates are the events' own
            blocks.options["starts_at"] = blocks.options.pop("date")
        found.proposals.append(Proposal(Way.BLOCKS, make_source(url, SourceKind.HTML, title, kind, blocks.options),
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
    return Findings(url, [Proposal(Way.API, make_source(url, SourceKind.JSON, url, kind, options), reason,
                                   BASE_SCORE[Way.API])])  # fmt: skip


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


__all__ = ["MAX_GUESSES", "Findings", "Proposal", "Way", "rank", "read_page", "same_items", "sniff"]
