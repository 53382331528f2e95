"""iCalendar agendas: one item per VEVENT, recurring events expanded over a bounded window.

Options: ``window_days`` (default 365: occurrences from today to this many days ahead), ``max_occurrences``
(default 52 per event), ``timezone`` for floating times (default Europe/Paris).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr
from icalendar import Calendar

from core.errors import FetchError
from core.model import Source
from watch.clean import canonical_url
from watch.entry import Entry, decode, new_item, to_utc


def parse_ical(body: bytes, source: Source, url: str, content_type: str | None, *, reference: datetime) -> list[Entry]:
    try:
        cal = Calendar.from_ical(decode(body, content_type))
    except (ValueError, IndexError, KeyError) as exc:
        raise FetchError(f"not a readable iCalendar file: {str(exc).splitlines()[0] if str(exc) else exc}") from None
    tz = ZoneInfo(str(source.options.get("timezone", "Europe/Paris")))
    window_end = reference + timedelta(days=int(source.options.get("window_days", 365)))
    limit = int(source.options.get("max_occurrences", 52))
    overridden = {
        (str(ev.get("UID")), _start(ev.get("RECURRENCE-ID"), tz))
        for ev in cal.walk("VEVENT")
        if ev.get("RECURRENCE-ID")
    }
    out: list[Entry] = []
    for ev in cal.walk("VEVENT"):
        start = _start(ev.get("DTSTART"), tz)
        if start is None:
            continue  # an event without a start is not on an agenda
        end = _start(ev.get("DTEND"), tz)
        uid = str(ev.get("UID") or "") or f"{ev.get('SUMMARY')}@{start.isoformat()}"
        link = str(ev.get("URL")) if ev.get("URL") else None
        if ev.get("RRULE") and not ev.get("RECURRENCE-ID"):
            starts = _occurrences(ev, start, reference, window_end, limit, tz)
            starts = [s for s in starts if (uid, s) not in overridden]
            keyed = [(f"{uid}#{s.date().isoformat()}", s) for s in starts]
        elif ev.get("RECURRENCE-ID"):
            rid = _start(ev.get("RECURRENCE-ID"), tz)
            keyed = [(f"{uid}#{(rid or start).date().isoformat()}", start)]
        else:
            keyed = [(uid, start)]
        for ident, occ in keyed:
            item = new_item(
                source,
                title=str(ev.get("SUMMARY") or ""),
                url=link,
                html=_escape(str(ev.get("DESCRIPTION") or "")),
                base_url=link or url,
                origin="ical",
            )
            item.starts_at = occ
            item.ends_at = occ + (end - start) if end is not None else None
            item.place = str(ev.get("LOCATION")) if ev.get("LOCATION") else None
            item.field_origins.update({"starts_at": "ical:DTSTART", "ends_at": "ical:DTEND", "place": "ical:LOCATION"})
            item.published_at = _start(ev.get("DTSTAMP"), tz)
            out.append(Entry(ident or canonical_url(link) or item.title, item))
    return out


def _start(prop: Any, tz: ZoneInfo) -> datetime | None:
    if prop is None:
        return None
    value = prop.dt
    if isinstance(value, datetime):
        return to_utc(value, tz)
    if isinstance(value, date):
        return to_utc(datetime(value.year, value.month, value.day), tz)
    return None


def _occurrences(
    ev: Any, start: datetime, since: datetime, until: datetime, limit: int, tz: ZoneInfo
) -> list[datetime]:
    rule = ev.get("RRULE").to_ical().decode()
    local_start = start.astimezone(tz).replace(tzinfo=None)
    rules = rruleset()
    try:
        rules.rrule(rrulestr(rule, dtstart=local_start))  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise FetchError(f"unreadable RRULE {rule!r}: {exc}") from None
    exdates = ev.get("EXDATE")
    for group in exdates if isinstance(exdates, list) else [exdates] if exdates else []:
        for ex in group.dts:
            when = _start(ex, tz)
            if when is not None:
                rules.exdate(when.astimezone(tz).replace(tzinfo=None))
    lo = since.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    hi = until.astimezone(tz).replace(tzinfo=None)
    out = []
    for occ in rules.between(lo, hi, inc=True):
        out.append(to_utc(occ, tz))
        if len(out) >= limit:
            break
    return [o for o in out if o is not None]


def _escape(text: str) -> str:
    import html

    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>" if text else ""
