"""What a template sees: an issue and its items turned into plain strings, French dates and safe links.

Pure: no I/O. Long or odd input is made presentable here (titles shortened, links kept only when absolute),
so that templates stay dumb.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from core.model import Issue, IssueKind, Item
from core.settings import NetworkSettings
from core.text import safe_url
from digest import sections as S
from digest import series

MAX_TITLE = 200  # characters; a 5,000-character title is cut, not refused
MAX_SUMMARY = 280


@dataclass(frozen=True, slots=True)
class ItemView:
    title: str
    summary: str
    dates: str
    source: str
    url: str | None


@dataclass(frozen=True, slots=True)
class SectionView:
    slug: str
    heading: str
    items: list[ItemView]


@dataclass(frozen=True, slots=True)
class IssueView:
    subject: str
    title: str
    masthead: str
    dateline: str
    preview: str
    stream_label: str
    editorial: list[str] = field(default_factory=list)


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


def item_view(item: Item, tz: ZoneInfo, locale: str, territories: Mapping[str, str]) -> ItemView:
    source = next((s.source_name for s in item.sources if s.source_name), None) or ""
    url = absolute(item.url) or absolute(item.canonical_url)
    return ItemView(
        title=shorten(item.title, MAX_TITLE) or "(sans titre)",
        summary=one_line(item.summary),
        dates=dates_line(item, tz, locale, territories),
        source=shorten(source, 80),
        url=url,
    )


def section_views(
    issue: Issue,
    items: Mapping[int, Item],
    item_ids: Sequence[int],
    network: NetworkSettings,
    territories: Mapping[str, str],
) -> list[SectionView]:
    """The issue's sections restricted to ``item_ids`` (a segment's content), empty sections left out; the
    occurrences of a recurring event are one entry with its next dates (:mod:`digest.series`)."""
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
            grouped.setdefault(section, []).append(view)
    order = [s for s in S.ORDER if s in grouped] + [s for s in grouped if s not in S.ORDER]
    return [SectionView(s, S.heading(s), grouped[s]) for s in order]


def default_subject(network: NetworkSettings, number: int | None, when: datetime) -> str:
    month = format_date(when.astimezone(ZoneInfo(network.timezone)), "MMMM y", locale=network.locale)
    return f"{network.newsletter_name} n°{number} – {month}" if number else f"{network.newsletter_name} – {month}"


def issue_view(issue: Issue, network: NetworkSettings, when: datetime) -> IssueView:
    tz = ZoneInfo(network.timezone)
    day = format_date(when.astimezone(tz), "d MMMM y", locale=network.locale)
    if issue.kind == IssueKind.NEWSLETTER:
        masthead = f"{network.newsletter_name} n°{issue.number}" if issue.number else network.newsletter_name
        stream = f"la lettre {network.newsletter_name}"
    else:
        masthead = network.name
        stream = "ses emailings thématiques"
    paragraphs = [p.strip() for p in issue.editorial.replace("\r\n", "\n").split("\n\n") if p.strip()]
    preview = shorten(paragraphs[0], 120) if paragraphs else shorten(issue.title, 120)
    return IssueView(
        subject=shorten(issue.subject, 200),
        title=shorten(issue.title, MAX_TITLE),
        masthead=masthead,
        dateline=day,
        preview=preview,
        stream_label=stream,
        editorial=[" ".join(p.split()) for p in paragraphs],
    )
