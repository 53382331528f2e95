"""Deadlines and opening dates found in French and English text, and the status they imply.

``dateparser.search.search_dates`` reads the dates; we only ever run it on the few words that follow a cue such
as "date limite" or "clôture", so a date elsewhere in the text (a publication date, an event) is never mistaken
for a deadline, and the cost stays small. No cue, no date: we never invent one.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache

from dateparser.search import search_dates

_DEADLINE_CUES = [
    r"date limite(?: (?:de |d'|d’)(?:d[ée]p[ôo]t|candidature|inscription|r[ée]ponse|soumission|remise|envoi)s?)?",
    r"cl[ôo]tur(?:e|é|ée)(?: (?:de l'appel|des candidatures|des inscriptions|le|au))*",
    r"(?:candidatures?|dossiers?|inscriptions?) (?:à (?:d[ée]poser|envoyer|rendre) )?(?:avant|jusqu'(?:au|à))(?: le)?",
    r"à d[ée]poser (?:avant|jusqu'(?:au|à))(?: le)?",
    r"au plus tard(?: le)?",
    r"(?:deadline|closing date|apply by|applications? (?:due|close[sd]?)(?: on)?|due date|submit by)",
    r"(?:valable |ouvert(?:e)? )?jusqu'au",
    r"[ée]ch[ée]ance",
]
_OPENING_CUES = [
    r"ouverture(?: de l'appel| des candidatures| des inscriptions)?(?: le| au)?",
    r"ouvert(?:e)? à partir du",
    r"(?:opens|opening date|open from)(?: on)?",
    r"à partir du",
]
# Matched against lower-cased text: a case-insensitive alternation is over twice as slow to scan.
_DEADLINE = re.compile(r"(?:" + "|".join(_DEADLINE_CUES) + r")\s*(?::|–|-|le|on)?\s*")
_OPENING = re.compile(r"(?:" + "|".join(_OPENING_CUES) + r")\s*(?::|–|-|le|on)?\s*")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
_WINDOW = 40  # characters after a cue where its date must be
_CLAUSE_END = re.compile(r"[,;\n]|\.\s")  # a cue's date is in its own clause
MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "août": 8,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
_SPELLED = re.compile(r"^(?:le |the )?(\d{1,2})(?:er|re|st|nd|rd|th)? (" + "|".join(MONTHS) + r")\.? (\d{4})\b")
_ORDINAL = re.compile(r"\b1(?:er|re|st)\b", re.IGNORECASE)  # "1er décembre": dateparser wants "1 décembre"


class CallStatus(StrEnum):
    """Where a call stands on a given day, from its dates alone."""

    FORTHCOMING = "forthcoming"
    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"


def find_deadline(text: str, *, reference: datetime) -> date | None:
    """The date that follows a deadline cue, or None."""
    return _after_cue(_DEADLINE, text, reference)


def find_opening(text: str, *, reference: datetime) -> date | None:
    """The date that follows an opening cue, or None."""
    return _after_cue(_OPENING, text, reference)


def status_on(today: date, *, opening: date | None, deadline: date | None) -> CallStatus:
    if deadline is not None and deadline < today:
        return CallStatus.CLOSED
    if opening is not None and opening > today:
        return CallStatus.FORTHCOMING
    if deadline is not None or opening is not None:
        return CallStatus.OPEN
    return CallStatus.UNKNOWN


def parse_date(value: object, *, reference: datetime) -> date | None:
    """A date from a structured field (ISO string, "15/03/2027", "15 mars 2027"), or None if unreadable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    return _read(text, reference)


def _after_cue(pattern: re.Pattern[str], text: str, reference: datetime) -> date | None:
    if not text:
        return None
    text = text.lower()  # the window is read from the lowered text too: its positions are the lowered ones
    for m in pattern.finditer(text):
        window = _CLAUSE_END.split(text[m.end() : m.end() + _WINDOW], 1)[0]
        found = _read(window, reference)
        if found is not None:
            return found
    return None


def _read(window: str, reference: datetime) -> date | None:
    return _read_cached(window.strip(), reference.date())


@lru_cache(maxsize=4096)
def _read_cached(window: str, today: date) -> date | None:
    """Cached: the same few deadline phrases recur across a feed's items and across runs."""
    reference = datetime(today.year, today.month, today.day)
    spelled = _SPELLED.match(_ascii_apostrophes(window).lower())
    if spelled:  # "15 mars 2027", "1 february 2027": unambiguous, no need for dateparser's search
        day, month, year = int(spelled.group(1)), MONTHS[spelled.group(2)], int(spelled.group(3))
        try:
            return date(year, month, day)
        except ValueError:
            return None
    numeric = _NUMERIC.match(window)
    if numeric:  # French order, day first: dateparser would need settings for each call
        day, month, year = (int(g) for g in numeric.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return None
    if not any(ch.isdigit() for ch in window):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateparser warns about its own use of deprecated APIs
        found = search_dates(
            _ascii_apostrophes(window),
            languages=["fr", "en"],
            settings={
                "RELATIVE_BASE": reference,
                "PREFER_DATES_FROM": "future",
                "DATE_ORDER": "DMY",
                "REQUIRE_PARTS": ["day", "month"],
                "STRICT_PARSING": False,
            },
        )
    if not found:
        return None
    matched, when = found[0]
    if not any(ch.isdigit() for ch in matched):
        return None  # "demain", "lundi": too vague to be a deadline
    result: date = when.date()
    return result


def _ascii_apostrophes(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("’", "'").replace("\u00a0", " ")
    return _ORDINAL.sub("1", text)
