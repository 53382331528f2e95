"""Recurring events, told once: the occurrences of one series (a calendar's RRULE expanded into one item per date,
or a site listing the same permanence every month) become one entry with its rhythm and its next dates —
« 1er jeudi du mois à 18h00, prochaines : 8 janv., 5 févr. ». Pure functions; no database.

Occurrences are recognised by what readers see, not by how the source was read: the same kind, title, link and
place, each with its own start. A one-off event that merely shares a title with another elsewhere stays apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from babel.dates import format_date

from core.model import Item
from core.text import fold

NEXT_DATES = 3  # dates written out; the others are counted
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_RANKS = {1: "1er", 2: "2e", 3: "3e", 4: "4e"}


def series_key(item: Item) -> tuple[str, ...] | None:
    """What the occurrences of one series share; None for an item without a start (it is no occurrence)."""
    if item.starts_at is None:
        return None
    link = item.canonical_url or item.url or ""
    return (str(item.kind), " ".join(fold(item.title).split()), link, " ".join(fold(item.place or "").split()))


def group(items: Iterable[Item]) -> list[list[Item]]:
    """``items`` in their order, the occurrences of a series gathered at the place of the first one, soonest
    first within it."""
    groups: list[list[Item]] = []
    by_key: dict[tuple[str, ...], list[Item]] = {}
    for item in items:
        key = series_key(item)
        if key is not None and key in by_key:
            by_key[key].append(item)
            continue
        found = [item]
        groups.append(found)
        if key is not None:
            by_key[key] = found
    for found in groups:
        found.sort(key=lambda i: (i.starts_at or datetime.max, i.id or 0))
    return groups


def rhythm(days: Sequence[date]) -> str | None:
    """The series' rhythm in French (« chaque mardi », « un jeudi sur deux », « 1er jeudi du mois », « dernier
    vendredi du mois », « le 15 de chaque mois »), or None when its dates follow no simple one."""
    if len(days) < 2:
        return None
    gaps = [(b - a).days for a, b in pairwise(days)]
    weekday = days[0].weekday()
    same_weekday = all(d.weekday() == weekday for d in days)
    name = _WEEKDAYS[weekday]
    if same_weekday and all(g % 7 == 0 for g in gaps):  # a date left out (a holiday) keeps the rhythm
        if min(gaps) == 7:
            return f"chaque {name}"
        if min(gaps) == 14 and all(g % 14 == 0 for g in gaps):
            return f"un {name} sur deux"
    months = [d.year * 12 + d.month for d in days]
    month_gaps = [b - a for a, b in pairwise(months)]
    monthly = min(month_gaps) == 1  # dates are sorted: every gap is a month or more, some exactly one
    if not monthly:
        return None
    if same_weekday:
        ranks = {(d.day - 1) // 7 + 1 for d in days}
        if len(ranks) == 1 and (rank := ranks.pop()) in _RANKS:
            return f"{_RANKS[rank]} {name} du mois"
        if all(_is_last_of_month(d) for d in days):
            return f"dernier {name} du mois"
    if len({d.day for d in days}) == 1:
        day = days[0].day
        return f"le {'1er' if day == 1 else day} de chaque mois"
    return None


def _is_last_of_month(d: date) -> bool:
    return (d.toordinal() + 7 - date(d.year, d.month, 1).toordinal()) >= _month_length(d)


def _month_length(d: date) -> int:
    following = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return (following - date(d.year, d.month, 1)).days


def _short(d: date, locale: str) -> str:
    text = format_date(d, "d MMM", locale=locale)
    return "1er" + text[1:] if locale.startswith("fr") and d.day == 1 else text


def series_line(occurrences: Sequence[Item], tz: ZoneInfo, locale: str, territories: Mapping[str, str]) -> str:
    """The dates line of a series: its rhythm and time when they are regular, its next dates, its place."""
    starts = [i.starts_at.astimezone(tz) for i in occurrences if i.starts_at is not None]
    days = [s.date() for s in starts]
    times = {(s.hour, s.minute) for s in starts}
    head = rhythm(days) or ""
    if head and len(times) == 1 and (hour_minute := times.pop()) != (0, 0):
        head += f" à {hour_minute[0]:02d}h{hour_minute[1]:02d}"
    shown = ", ".join(_short(d, locale) for d in days[:NEXT_DATES])
    more = len(days) - NEXT_DATES
    when = f"prochaines : {shown}" + (f" (et {more} autre{'s' if more > 1 else ''})" if more > 0 else "")
    parts = [f"{head}, {when}" if head else when]
    first = occurrences[0]
    place = first.place or ""
    named = ", ".join(territories[t] for t in first.tags if t in territories)
    if named:
        place = f"{place} ({named})" if place else named
    if place:
        parts.append(place)
    line = " · ".join(parts)
    return line[0].upper() + line[1:]
