"""Periods of key figures: a year, a month or any range of whole days, in the network's timezone.

Pure: parsing turns CLI or form input into a :class:`Period`, or raises :class:`InvalidInput` with one clear
line. A period covers whole local days, both ends included; storage queries take its UTC half-open bounds.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InvalidInput

MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


class PeriodKind(StrEnum):
    YEAR = "year"
    MONTH = "month"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class Period:
    """Whole local days from ``start`` to ``end``, both included."""

    kind: PeriodKind
    start: date
    end: date
    timezone: str = "Europe/Paris"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """French, for titles: "2026", "mars 2026", "du 01/01/2026 au 30/06/2026"."""
        if self.kind is PeriodKind.YEAR:
            return str(self.start.year)
        if self.kind is PeriodKind.MONTH:
            return f"{MONTHS_FR[self.start.month - 1]} {self.start.year}"
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"

    def bounds(self) -> tuple[datetime, datetime]:
        """Aware UTC instants ``[from, to)``: local midnight of ``start`` to local midnight after ``end``."""
        tz = ZoneInfo(self.timezone)
        lo = datetime.combine(self.start, time(0), tzinfo=tz).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        return lo, hi

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every calendar month the period touches, in order."""
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def month_bounds(self) -> list[tuple[datetime, datetime]]:
        """UTC ``[from, to)`` of each month of :meth:`months`, clipped to the period."""
        tz = ZoneInfo(self.timezone)
        out = []
        for y, m in self.months():
            first = max(date(y, m, 1), self.start)
            last = min(date(y, m, calendar.monthrange(y, m)[1]), self.end)
            lo = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
            hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
            out.append((lo, hi))
        return out

    def previous(self) -> Period:
        """The period of the same length just before: last year, last month, or as many days before."""
        if self.kind is PeriodKind.YEAR:
            return year(self.start.year - 1, self.timezone)
        if self.kind is PeriodKind.MONTH:
            y, m = (self.start.year - 1, 12) if self.start.month == 1 else (self.start.year, self.start.month - 1)
            return month(y, m, self.timezone)
        end = self.start - timedelta(days=1)
        return Period(PeriodKind.RANGE, end - timedelta(days=self.days - 1), end, self.timezone)


def _check_tz(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"fuseau horaire inconnu : « {tz} »") from None
    return tz


def year(y: int, tz: str = "Europe/Paris") -> Period:
    if not 1800 <= y <= 9998:  # 1800: the period before --year 1900 must exist too
        raise InvalidInput(f"année hors limites : {y} (1800-9998)")
    return Period(PeriodKind.YEAR, date(y, 1, 1), date(y, 12, 31), _check_tz(tz))


def month(y: int, m: int, tz: str = "Europe/Paris") -> Period:
    if not 1800 <= y <= 9998 or not 1 <= m <= 12:
        raise InvalidInput(f"mois hors limites : {y:04d}-{m:02d}")
    return Period(PeriodKind.MONTH, date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), _check_tz(tz))


def parse_date(text: str, flag: str = "date") -> date:
    """An ISO date ``YYYY-MM-DD``; anything else is refused with the flag named."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise InvalidInput(f"{flag} : « {text} » n'est pas une date (attendu : AAAA-MM-JJ)")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{flag} : le jour « {text} » n'existe pas") from None


def parse_period(
    *,
    year_text: str | None = None,
    month_text: str | None = None,
    from_text: str | None = None,
    to_text: str | None = None,
    tz: str = "Europe/Paris",
    today: date | None = None,
) -> Period:
    """One of ``--year``, ``--month`` or ``--from``/``--to``; none at all means the current year (``today``)."""
    chosen = [n for n, v in (("--year", year_text), ("--month", month_text)) if v is not None]
    if from_text is not None or to_text is not None:
        chosen.append("--from/--to")
    if len(chosen) > 1:
        raise InvalidInput(f"choisissez --year, --month ou --from/--to, pas {' et '.join(chosen)}")
    if year_text is not None:
        if not re.fullmatch(r"\d{4}", year_text.strip()):
            raise InvalidInput(f"--year : « {year_text} » n'est pas une année (attendu : AAAA)")
        if not 1900 <= int(year_text) <= 9998:
            raise InvalidInput(f"--year : « {year_text} » hors limites (1900-9998)")
        return year(int(year_text), tz)
    if month_text is not None:
        match = re.fullmatch(r"(\d{4})-(\d{2})", month_text.strip())
        if not match:
            raise InvalidInput(f"--month : « {month_text} » n'est pas un mois (attendu : AAAA-MM)")
        if not 1900 <= int(match[1]) <= 9998:
            raise InvalidInput(f"--month : « {month_text} » hors limites (1900-9998)")
        return month(int(match[1]), int(match[2]), tz)
    if from_text is not None or to_text is not None:
        if from_text is None or to_text is None:
            raise InvalidInput("--from et --to vont ensemble")
        lo, hi = parse_date(from_text, "--from"), parse_date(to_text, "--to")
        if hi < lo:
            raise InvalidInput(f"--to ({hi}) est antérieur à --from ({lo})")
        if lo.year < 1900 or hi.year > 9998:
            raise InvalidInput("dates hors limites (1900-9998)")
        return Period(PeriodKind.RANGE, lo, hi, _check_tz(tz))
    if today is None:
        raise InvalidInput("choisissez une période : --year, --month ou --from/--to")
    return year(today.year, tz)
