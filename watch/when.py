"""When an event on a web page takes place: its start and end read from the text (or the ``datetime`` attribute)
of the elements a source's ``starts_at`` / ``ends_at`` selectors name.

    « Jeudi 18 novembre 2027 à 18h30 »                    → start 18 Nov 18:30
    « du 13 au 29 novembre 2027 », « 13–29 novembre 2027 » → start 13 Nov, end 29 Nov (all-day)
    « 28 novembre – 3 décembre 2027 », « de 18h à 20h »   → the first part takes the month and year of the second;
                                                             times alone end the same day
    <time datetime="2027-11-18T18:30">                     → as written (without a zone: the source's zone)

A day without a time is all day, as in a calendar: it starts at midnight in the source's time zone. A date
without a year takes it from the other end of the range, else the next such day from the reference date; a text
without a day and month gives nothing (never an invented date).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from watch.dates import MONTHS, normalise, parse_date

_MONTH = "(?:" + "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True)) + r")\.?"
_DAY = re.compile(rf"(?<!\d)(\d{{1,2}})(?:er|e|st|nd|rd|th)?(?:\s+({_MONTH}))?(?:\s+(\d{{4}}))?(?!\d)", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s+(?:au|to|until|jusqu'au)\s+|\s*[–—]\s*|\s+-\s+|(?<=\d)-(?=\d)", re.IGNORECASE)
_TIME = re.compile(
    r"(?<![\d/.:])(?:(1[0-2]|0?[1-9])(?::([0-5]\d))?\s*([ap])\.?m\b|([01]?\d|2[0-3])\s*(?:h|:)\s*([0-5]\d)?)(?![\d/])",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(rf"\d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{1,4}}|{_MONTH}", re.IGNORECASE)


def event_times(
    start_text: str, end_text: str = "", *, reference: datetime, tz: tzinfo, date_order: str = "DMY"
) -> tuple[datetime | None, datetime | None]:
    """(start, end) in UTC from the text of a start element (which may hold a whole range) and of an end one."""
    text = normalise(start_text or "").strip()
    parts = _SEPARATOR.split(text, maxsplit=1) if text else []
    first, second = [*parts, "", ""][:2]
    end_day = _day(second, None, reference, date_order)
    start_day = _day(first, end_day, reference, date_order) if end_day else _day(text, None, reference, date_order)
    times = [_time(m) for m in _TIME.finditer(text)]
    start = _at(start_day, times[0] if times else None, tz)
    end = _at(end_day, times[1] if end_day and len(times) > 1 else None, tz) if end_day else None
    if end is None and start_day is not None and len(times) > 1:
        end = _at(start_day, times[1], tz)  # « de 18h à 20h »: the same day
    if end_text.strip():
        own_end = normalise(end_text)
        day = _day(own_end, None, reference, date_order) or start_day
        end_times = [_time(m) for m in _TIME.finditer(own_end)]
        end = _at(day, end_times[0] if end_times else None, tz) or end
    if start is not None and end is not None and end < start:
        end = None  # a range read backwards is no range
    return start, end


def iso_time(value: str | None, tz: tzinfo) -> datetime | None:
    """An ISO 8601 date or time (a ``datetime`` or ``content`` attribute); without a zone, the source's."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def _day(text: str, other: date | None, reference: datetime, order: str) -> date | None:
    """The day ``text`` names; a bare day or a day and month take the month and year of ``other`` (the range's
    other end). Numeric and full dates go through :func:`watch.dates.parse_date`."""
    if not text.strip():
        return None
    for m in _DAY.finditer(text):
        day, month_name, year = int(m.group(1)), m.group(2), m.group(3)
        month = MONTHS.get(month_name.lower().rstrip(".")) if month_name else None
        if month is None and other is None:
            continue
        if month is None and _TIME.match(text, m.start()):
            continue  # « 18h30 » is a time, not the 18th
        month = month or (other.month if other else None)
        if month is None:
            continue
        y = int(year) if year else (other.year if other else None)
        if y is None:
            guess = _safe(reference.year, month, day)
            if guess is not None and guess < reference.date() - timedelta(days=31):
                guess = _safe(reference.year + 1, month, day)
            return guess
        found = _safe(y, month, day)
        if found is not None and other is not None and found > other and not year:
            found = _safe(y - 1, month, day)  # « 28 décembre – 3 janvier 2028 »
        if found is not None:
            return found
    if not _DATE_LIKE.search(text):
        return None  # dateparser would read « 17h » as today: a time is not a date
    return parse_date(text, reference=reference, date_order=order)


def _time(m: re.Match[str]) -> time:
    if m.group(4) is not None:
        return time(int(m.group(4)), int(m.group(5) or 0))
    hour = int(m.group(1)) % 12 + (12 if m.group(3).lower() == "p" else 0)
    return time(hour, int(m.group(2) or 0))


def _at(day: date | None, at: time | None, tz: tzinfo) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, at or time(0), tzinfo=tz).astimezone(UTC)


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
