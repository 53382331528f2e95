"""What a template sees: an issue and its items turned into plain strings, French dates and safe links.

Pure: no I/O. Long or odd input is made presentable here (titles shortened, links kept only when absolute),
so that templates stay dumb.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from markupsafe import Markup

from core.model import Issue, IssueKind, Item
from core.settings import NetworkSettings
from core.text import safe_url
from digest import editorial as E
from digest import sections as S
from digest import series

MAX_TITLE = 200  # characters; a 5,000-character title is cut, not refused
MAX_SUMMARY = 280
MAX_ALT = 300


@dataclass(frozen=True, slots=True)
class ItemView:
    title: str
    summary: str
    dates: str
    source: str
    url: str | None
    image_url: str | None = None  # shown « à la une » only, always with its alt text
    image_alt: str = ""


@dataclass(frozen=True, slots=True)
class SectionView:
    slug: str
    heading: str
    items: list[ItemView]

    @property
    def anchor(self) -> str:
        """The id the table of contents links to (ASCII: Outlook's and Gmail's anchors)."""
        return f"rubrique-{self.slug}"


@dataclass(frozen=True, slots=True)
class IssueView:
    subject: str
    title: str
    masthead: str
    dateline: str
    preview: str
    stream_label: str  # « vous êtes abonné·e {stream_label} de {network} »
    editorial_html: Markup = field(default_factory=Markup)
    editorial_text: str = ""


def absolute(url: str | None) -> str | None:
    """Keep only absolute http(s) links (:func:`core.text.safe_url`): a relative link in an email leads nowhere,
    and any other scheme is a trap."""
    return safe_url(url)


def shorten(text: str, limit: int) -> str:
    """Collapse whitespace and cut at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:.") + "…"


def one_line(summary: str) -> str:
    """The first sentence of a summary, within MAX_SUMMARY characters."""
    text = " ".join(summary.split())
    for stop in (". ", "! ", "? "):
        if stop in text[:MAX_SUMMARY]:
            text = text[: text.index(stop) + 1]
            break
    return shorten(text, MAX_SUMMARY)


def _day(d: date, locale: str) -> str:
    text = format_date(d, "d MMMM y", locale=locale)
    return "1er" + text[1:] if locale.startswith("fr") and d.day == 1 else text  # French writes "1er décembre"


def dates_line(item: Item, tz: ZoneInfo, locale: str, territories: Mapping[str, str]) -> str:
    parts: list[str] = []
    if item.starts_at is not None:
        start = item.starts_at.astimezone(tz)
        when = format_datetime(start, "EEEE d MMMM y", tzinfo=tz, locale=locale)
        if start.hour or start.minute:
            when += " à " + start.strftime("%Hh%M")
        parts.append(when[0].upper() + when[1:])
        place = item.place or ""
        named = ", ".join(territories[t] for t in item.tags if t in territories)  # its département tags
        if named:
            place = f"{place} ({named})" if place else named
        if place:
            parts.append(place)
    if item.opening_date is not None and item.starts_at is None:
        parts.append("Ouverture : " + _day(item.opening_date, locale))
    if item.deadline is not None:
        parts.append("Date limite : " + _day(item.deadline, locale))
    return " · ".join(parts)


# What a source's name may say about its format, for the team: « Agence des financements (RSS) ». Readers get the
# name alone.
_FORMAT_WORDS = frozenset({
    "rss", "atom", "xml", "flux", "feed", "page", "web", "html", "site", "ical", "icalendar", "ics", "agenda",
    "calendrier", "json", "api", "jsonld", "json-ld", "schema.org", "csv",
})  # fmt: skip
_TRAILING_NOTE = re.compile(r"(?:\s*[(\[]([^()\[\]]*)[)\]]|\s+[-–—|:]\s+([^-–—|:()\[\]]+))\s*$")


def public_source(name: str) -> str:
    """A source's name as readers see it: without a trailing « (RSS) », « (page web) », « [API JSON] », « - RSS »."""
    name = " ".join(name.split())
    while (m := _TRAILING_NOTE.search(name)) and m.start() > 0:
        words = (m.group(1) or m.group(2)).casefold().replace(",", " ").replace("/", " ").split()
        if not words or any(w not in _FORMAT_WORDS for w in words):
            break
        name = name[: m.start()].rstrip(" -–—|:")
    return name


def item_view(item: Item, tz: ZoneInfo, locale: str, territories: Mapping[str, str]) -> ItemView:
    source = next((s.source_name for s in item.sources if s.source_name), None) or ""
    url = absolute(item.url) or absolute(item.canonical_url)
    image = absolute(item.image_url)
    alt = " ".join(item.image_alt.split())
    return ItemView(
        title=shorten(item.title, MAX_TITLE) or "(sans titre)",
        summary=one_line(item.summary),
        dates=dates_line(item, tz, locale, territories),
        source=shorten(public_source(source), 80),
        url=url,
        image_url=image if alt else None,  # no alt text, no image
        image_alt=shorten(alt, MAX_ALT) if image else "",
    )


_SPACE_BEFORE = re.compile(r"(?<=\S) ([:;!?»])")
_SPACE_AFTER = re.compile(r"« ")


def french_spaces(text: str) -> str:
    """The space before « : ; ! ? » » and after « « » made non-breaking, as French typesetting wants: a line never
    starts with a colon or a closing guillemet (« Appel « Égalité femmes-hommes » » ended on a line of its own)."""
    return _SPACE_AFTER.sub("«\u00a0", _SPACE_BEFORE.sub("\u00a0\\1", text))


def _finish(section: str, items: list[ItemView], locale: str) -> list[ItemView]:
    """Images « à la une » only; French spacing in the editors' and sources' words (the lines Relais writes, such
    as dates, are left as they are)."""
    if section != S.FEATURED:
        items = [replace(v, image_url=None, image_alt="") for v in items]
    if not locale.startswith("fr"):
        return items
    return [replace(v, title=french_spaces(v.title), summary=french_spaces(v.summary)) for v in items]


def section_views(
    issue: Issue,
    items: Mapping[int, Item],
    item_ids: Sequence[int],
    network: NetworkSettings,
    territories: Mapping[str, str],
    counted: Callable[[int], str] | None = None,
) -> list[SectionView]:
    """The issue's sections restricted to ``item_ids`` (a segment's content), empty sections left out; the
    occurrences of a recurring event are one entry with its next dates (:mod:`digest.series`). With ``counted``
    (item id -> counted link, :mod:`digest.clicks`), an item's link goes through it instead of straight to its
    target."""
    tz = ZoneInfo(network.timezone)
    wanted = set(item_ids)
    chosen: dict[str, list[Item]] = {}
    for e in sorted(issue.entries, key=lambda e: e.position):
        if e.item_id in wanted and e.item_id in items:
            chosen.setdefault(e.section, []).append(items[e.item_id])
    grouped: dict[str, list[ItemView]] = {}
    for section, section_items in chosen.items():
        for occurrences in series.group(section_items):
            view = item_view(occurrences[0], tz, network.locale, territories)
            if len(occurrences) > 1:
                view = replace(view, dates=series.series_line(occurrences, tz, network.locale, territories))
            if counted is not None and view.url and occurrences[0].id is not None:
                view = replace(view, url=counted(occurrences[0].id))
            grouped.setdefault(section, []).append(view)
    order = [s for s in S.ORDER if s in grouped] + [s for s in grouped if s not in S.ORDER]
    return [SectionView(s, S.heading(s), _finish(s, grouped[s], network.locale)) for s in order]


def default_subject(network: NetworkSettings, number: int | None, when: datetime) -> str:
    month = format_date(when.astimezone(ZoneInfo(network.timezone)), "MMMM y", locale=network.locale)
    return f"{network.newsletter_name} n°{number} – {month}" if number else f"{network.newsletter_name} – {month}"


def issue_view(issue: Issue, network: NetworkSettings, when: datetime) -> IssueView:
    tz = ZoneInfo(network.timezone)
    day = format_date(when.astimezone(tz), "d MMMM y", locale=network.locale)
    if issue.kind == IssueKind.NEWSLETTER:
        masthead = f"{network.newsletter_name} n°{issue.number}" if issue.number else network.newsletter_name
        stream = f"à la lettre {network.newsletter_name}"
    elif issue.kind == IssueKind.ALERT:
        masthead = network.name
        stream = "aux alertes"
    else:
        masthead = network.name
        stream = "aux emailings thématiques"
    editorial = E.render(issue.editorial)
    preview = shorten(editorial.first_paragraph or issue.title, 120)
    return IssueView(
        subject=shorten(issue.subject, 200),
        title=shorten(issue.title, MAX_TITLE),
        masthead=masthead,
        dateline=day,
        preview=preview,
        stream_label=stream,
        editorial_html=editorial.html,
        editorial_text=editorial.text,
    )
