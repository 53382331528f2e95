"""Structured data in a page: schema.org objects in JSON-LD (collected as they are), in microdata (read with
``extruct``, proposed as selectors over ``itemprop``), and microformats classes. Pure functions over a parsed page."""

from __future__ import annotations

from typing import Any

from selectolax.lexbor import LexborHTMLParser

from core.model import ItemKind, SourceKind
from watch.entry import decode
from watch.parse_html import jsonld_objects
from watch.proposal import BASE_SCORE, Proposal, Way, make_source

STRUCTURED_TYPES = {"Event", "JobPosting", "Grant", "MonetaryGrant", "ItemList"}
KIND_OF_TYPE = {"Event": ItemKind.EVENT, "JobPosting": ItemKind.JOB, "Grant": ItemKind.FUNDING,
                "MonetaryGrant": ItemKind.FUNDING}  # fmt: skip


# The attributes naming an object's type and its properties, per syntax; ``$=`` matches a full schema.org address
# ("https://schema.org/Event") as well as a prefixed name ("schema:Event").
ATTRIBUTES = {"microdata": ("itemtype", "itemprop", "microdonnées"), "rdfa": ("typeof", "property", "RDFa")}
# Per type, the source options its properties give (the first property present wins for an option).
FIELDS: dict[str, list[tuple[str, str]]] = {
    "Event": [("starts_at", "startDate"), ("ends_at", "endDate"), ("place", "location"), ("summary", "description")],
    "JobPosting": [("date", "datePosted"), ("deadline", "validThrough"), ("place", "jobLocation"),
                   ("summary", "description")],
    "Grant": [("deadline", "endDate"), ("summary", "description")],
    "MonetaryGrant": [("deadline", "endDate"), ("summary", "description")],
}  # fmt: skip


def structured(tree: LexborHTMLParser, body: bytes, page_url: str, title: str, ctype: str | None) -> list[Proposal]:
    """schema.org objects in the page (JSON-LD, microdata, RDFa, read by extruct): JSON-LD is collected as it is;
    microdata and RDFa items become CSS selectors over their ``itemprop`` / ``property`` attributes."""
    counts = schema_types(body, page_url, ctype)
    out: list[Proposal] = []
    jsonld = [o for o in jsonld_objects(tree) if _types(o) & (STRUCTURED_TYPES - {"ItemList"})]
    if jsonld:
        kinds = sorted({t for o in jsonld for t in _types(o)} & set(KIND_OF_TYPE))
        kind = KIND_OF_TYPE[kinds[0]] if kinds else ItemKind.NEWS
        out.append(Proposal(Way.STRUCTURED, make_source(page_url, SourceKind.HTML, title, kind),
                            f"{len(jsonld)} objet(s) schema.org {', '.join(kinds)} en JSON-LD dans la page",
                            BASE_SCORE[Way.STRUCTURED] + min(len(jsonld), 10)))  # fmt: skip
    for syntax, (typed, prop, label) in ATTRIBUTES.items():
        for schema, n in counts.get(syntax, {}).items():
            if schema not in KIND_OF_TYPE or n < 1:
                continue
            item = f'[{typed}$="{schema}"]'
            opts = {"item": item, "title": f'[{prop}$="name"]', "link": "a[href]"}
            for option, name in FIELDS[schema]:
                if tree.css_first(f'{item} [{prop}$="{name}"]') is not None:
                    opts[option] = f'[{prop}$="{name}"]'
            source = make_source(page_url, SourceKind.HTML, title, KIND_OF_TYPE[schema], opts)
            reason = f"{n} objet(s) schema.org {schema} en {label} dans la page"
            out.append(Proposal(Way.STRUCTURED, source, reason, BASE_SCORE[Way.STRUCTURED] + min(n, 10) - 1))
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
        out.append(Proposal(Way.STRUCTURED, make_source(page_url, SourceKind.HTML, title, kind, opts),
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


__all__ = ["microformats", "schema_types", "structured"]
