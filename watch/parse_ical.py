"""iCalendar agendas (RFC 5545): one item per event, recurring events expanded over the source's horizon.

Options: ``window_days`` (default 365: occurrences up to this many days ahead), ``past_days`` (default 0: events
that ended more than this many days ago are dropped on arrival, one-off or recurring), ``max_occurrences``
(default 52 per event), ``timezone`` for floating times (default Europe/Paris).

What real exports do, and what is done with it: times zoned (``TZID`` with its ``VTIMEZONE``, Windows zone names
included), in UTC or floating (the source's time zone); all-day events (``VALUE=DATE``); an ``RRULE`` whose
``UNTIL`` is in UTC on a zoned or all-day start (Google Calendar, Outlook: refused by python-dateutil unless both
sides agree, so ``UNTIL`` is brought to the start's kind); ``EXDATE`` and ``RDATE`` lists; ``RECURRENCE-ID``
overrides, which replace their occurrence (or stand alone when the series is not in the file), and cancelled
ones, which remove it; relative ``URL`` values, made absolute against the calendar's address. A malformed event
costs that event only; a file that is no calendar at all is the source's error.
"""

from __future__ import annotations

import html
import re
from collections.abc import Container, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr
from icalendar import Calendar, Component

from core.errors import FetchError
from core.model import Source
from watch.clean import canonical_url
from watch.entry import Entry, decode, new_item, to_utc

_EVENT = re.compile(r"^BEGIN:VEVENT\r?$.*?^END:VEVENT\r?$", re.MULTILINE | re.DOTALL)
_TIMEZONE = re.compile(r"^BEGIN:VTIMEZONE\r?$.*?^END:VTIMEZONE\r?$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class _Horizon:
    tz: ZoneInfo  # for floating times and all-day events
    since: datetime  # UTC: what ended before is past
    until: datetime  # UTC: occurrences up to here
    limit: int  # occurrences per recurring event

    @classmethod
    def of(cls, source: Source, reference: datetime) -> _Horizon:
        opts = source.options
        return cls(
            tz=ZoneInfo(str(opts.get("timezone", "Europe/Paris"))),
            since=reference.astimezone(UTC) - timedelta(days=int(opts.get("past_days", 0))),
            until=reference.astimezone(UTC) + timedelta(days=int(opts.get("window_days", 365))),
            limit=int(opts.get("max_occurrences", 52)),
        )


def parse_ical(body: bytes, source: Source, url: str, content_type: str | None, *, reference: datetime) -> list[Entry]:
    horizon = _Horizon.of(source, reference)
    events = _events(decode(body, content_type))
    overrides: dict[str, dict[tuple[str, Any], Component]] = {}
    for ev in events:
        if _get(ev, "RECURRENCE-ID") is not None and _get(ev, "UID") is not None:
            try:
                rid = _get(ev, "RECURRENCE-ID").dt
                for key in _keys(rid, horizon.tz):
                    overrides.setdefault(str(_get(ev, "UID")), {})[key] = ev
            except (AttributeError, TypeError, ValueError):
                continue
    out: list[Entry] = []
    for ev in events:
        try:
            out += _entries(ev, source, url, horizon, overrides)
        except Exception:  # noqa: S112 - one malformed event costs that event, not the calendar
            continue
    out.sort(key=lambda e: e.item.starts_at or horizon.until)  # the soonest first: a capped source keeps those
    return out


def _events(text: str) -> list[Component]:
    """The file's VEVENTs. When the whole file does not parse, each event is read on its own (with the file's
    time zones), so one broken event does not lose the others."""
    try:
        cal = Calendar.from_ical(text)
        return list(cal.walk("VEVENT"))
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        blocks = _EVENT.findall(text)
        if not blocks:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise FetchError(f"not a readable iCalendar file: {first}", code="unreadable_ical") from None
    zones = "\r\n".join(_TIMEZONE.findall(text))
    events = []
    for block in blocks:
        try:
            part = Calendar.from_ical(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{zones}\r\n{block}\r\nEND:VCALENDAR\r\n")
        except (ValueError, IndexError, KeyError, TypeError):
            continue
        events += part.walk("VEVENT")
    return events


def _entries(
    ev: Component, source: Source, url: str, horizon: _Horizon, overrides: dict[str, dict[tuple[str, Any], Component]]
) -> list[Entry]:
    if _get(ev, "DTSTART") is None or _cancelled(ev):
        return []  # an event without a start is not on an agenda; a cancelled one is not an event
    raw = _get(ev, "DTSTART").dt
    start = _utc(raw, horizon.tz)
    duration = _duration(ev, raw, horizon.tz)
    uid = str(_get(ev, "UID") or "") or f"{_get(ev, 'SUMMARY')}@{start.isoformat()}"
    if _get(ev, "RECURRENCE-ID") is not None:
        rid = _utc(_get(ev, "RECURRENCE-ID").dt, horizon.tz)
        keyed = [(f"{uid}#{rid.date().isoformat()}", start)]
    elif _get(ev, "RRULE") or _get(ev, "RDATE"):  # an empty ``RRULE:`` (Calendar Labs) is no recurrence
        replaced = overrides.get(uid, {})
        keyed = [(f"{uid}#{occ.date().isoformat()}", occ) for occ in _occurrences(ev, raw, duration, horizon, replaced)]
    else:
        keyed = [(uid, start)]
    keyed = [(ident, occ) for ident, occ in keyed if occ + (duration or timedelta(0)) >= horizon.since]
    link = _link(ev, url)
    out = []
    for ident, occ in keyed:
        item = new_item(
            source,
            title=str(_get(ev, "SUMMARY") or ""),
            url=link,
            html=_escape(str(_get(ev, "DESCRIPTION") or "")),
            base_url=link or url,
            origin="ical",
        )
        item.starts_at = occ
        item.ends_at = occ + duration if duration is not None else None
        item.place = str(_get(ev, "LOCATION")) if _get(ev, "LOCATION") else None
        item.field_origins.update({"starts_at": "ical:DTSTART", "ends_at": "ical:DTEND", "place": "ical:LOCATION"})
        stamp = _get(ev, "DTSTAMP")
        item.published_at = _utc(stamp.dt, horizon.tz) if stamp is not None else None
        out.append(Entry(ident or canonical_url(link) or item.title, item))
    return out


def _get(ev: Component, name: str) -> Any:
    """A property's value (icalendar's own types vary with the property)."""
    return ev.get(name)


def _cancelled(ev: Component) -> bool:
    return str(_get(ev, "STATUS") or "").upper() == "CANCELLED"


def _utc(value: date | datetime, tz: tzinfo) -> datetime:
    """A start as a UTC time: a floating time or an all-day date is in the source's time zone."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    result = to_utc(value, tz)
    assert result is not None
    return result


def _keys(rid: date | datetime, tz: tzinfo) -> list[tuple[str, Any]]:
    """What ties an override to its occurrence: the instant for a timed series, the day (as written) for an
    all-day one (Outlook gives an all-day series' RECURRENCE-ID as midnight in a zone)."""
    if isinstance(rid, datetime):
        return [("time", _utc(rid, tz)), ("day", rid.date())]
    return [("day", rid)]


def _duration(ev: Component, start: date | datetime, tz: tzinfo) -> timedelta | None:
    if _get(ev, "DTEND") is not None:
        return _utc(_get(ev, "DTEND").dt, tz) - _utc(start, tz)
    if _get(ev, "DURATION") is not None:
        value = _get(ev, "DURATION").dt
        return value if isinstance(value, timedelta) else None
    return None if isinstance(start, datetime) else timedelta(days=1)  # an all-day event lasts its day


def _link(ev: Component, base: str) -> str | None:
    link = str(_get(ev, "URL") or "").strip()
    if not link:
        return None
    return urljoin(base, link) if "://" in base else link


def _occurrences(
    ev: Component, raw: date | datetime, duration: timedelta | None, horizon: _Horizon, replaced: Container[Any]
) -> list[datetime]:
    """The starts (UTC) of a recurring event within the horizon, exceptions and overridden ones (``replaced``
    keys, see :func:`_keys`) removed, at most ``limit``."""
    dtstart = _series_start(raw, horizon.tz)
    rules = rruleset()
    rrules = _get(ev, "RRULE")
    for rrule in rrules if isinstance(rrules, list) else [rrules] if rrules else []:
        if not rrule:
            continue
        text = _rule_text(rrule, dtstart, horizon.tz)
        try:
            rules.rrule(rrulestr(text, dtstart=dtstart))  # type: ignore[arg-type]
        except (ValueError, TypeError):
            text = re.sub(r";?COUNT=\d+", "", text)  # UNTIL and COUNT together: UNTIL wins
            rules.rrule(rrulestr(text, dtstart=dtstart))  # type: ignore[arg-type]
    rules.rdate(dtstart)  # DTSTART is the first occurrence even when the rule does not produce it
    for when in _dates(_get(ev, "RDATE")):
        rules.rdate(_like(when, dtstart, horizon.tz))
    excluded = {_like(when, dtstart, horizon.tz) for when in _dates(_get(ev, "EXDATE"))}
    excluded_days = {when for when in _dates(_get(ev, "EXDATE")) if not isinstance(when, datetime)}
    lo = _like(horizon.since - (duration or timedelta(0)) - timedelta(days=1), dtstart, horizon.tz)
    hi = _like(horizon.until, dtstart, horizon.tz)
    out = []
    for occ in rules.between(lo, hi, inc=True):
        if occ in excluded or occ.date() in excluded_days:
            continue
        when = _utc(occ, horizon.tz)
        if (("time", when) if isinstance(raw, datetime) else ("day", occ.date())) in replaced:
            continue
        out.append(when)
        if len(out) >= horizon.limit:
            break
    return out


def _series_start(raw: date | datetime, tz: tzinfo) -> datetime:
    """DTSTART as the recurrence is computed: an all-day series in naive local days, a timed one zoned (a
    floating time takes the source's zone), so that a UTC ``UNTIL`` compares."""
    if not isinstance(raw, datetime):
        return datetime(raw.year, raw.month, raw.day)
    return raw if raw.tzinfo is not None else raw.replace(tzinfo=tz)


def _like(value: date | datetime, dtstart: datetime, tz: tzinfo) -> datetime:
    """``value`` in the same kind as ``dtstart``: zoned (a date taken at the start's time of day, in its zone) or
    naive local (an all-day series)."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, dtstart.timetz() if dtstart.tzinfo else dtstart.time())
        if value.tzinfo is None and dtstart.tzinfo is not None:
            value = value.replace(tzinfo=dtstart.tzinfo)
    if dtstart.tzinfo is None:
        return value.astimezone(tz).replace(tzinfo=None) if value.tzinfo is not None else value
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _rule_text(rrule: Any, dtstart: datetime, tz: tzinfo) -> str:
    """The RRULE as text, its ``UNTIL`` in the start's kind: UTC for a zoned start, local and naive for an
    all-day or floating one (dateutil refuses a mix)."""
    rule = type(rrule)(rrule)  # a copy: the event's own value stays as read
    until = rule.get("UNTIL")
    if until:
        value = until[0] if isinstance(until, list) else until
        if not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day, 23, 59, 59)
        if dtstart.tzinfo is None:
            value = value.astimezone(tz).replace(tzinfo=None) if value.tzinfo is not None else value
        else:
            value = (value if value.tzinfo is not None else value.replace(tzinfo=dtstart.tzinfo)).astimezone(UTC)
        rule["UNTIL"] = [value]
    text: str = rule.to_ical().decode()
    return text


def _dates(prop: Any) -> Iterator[date | datetime]:
    """Every date or time of an EXDATE / RDATE property (one or several lines, periods by their start)."""
    for group in prop if isinstance(prop, list) else [prop] if prop is not None else []:
        for value in getattr(group, "dts", []):
            dt = value.dt
            if isinstance(dt, tuple):  # a PERIOD: its start
                dt = dt[0]
            if isinstance(dt, date):
                yield dt


def _escape(text: str) -> str:
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>" if text else ""
