"""Deadlines and opening dates read from the whole text of an item, French or English, each with its evidence.

    text | normalise (apostrophes, spaces, case) | lines and sentences | cues (watch.cues) and date mentions
         | each cue claims the date(s) it governs | deadline and opening decided | + the sentence read

Never invent a date: a cue without a readable day and month gives nothing, a time ("à 18 heures", "12 pm") is
not a date, a date without its year takes the year of the range or list it ends, of the sentence, of the
publication date or of the title, else it is dropped. Of several deadlines (sessions), an extended one wins,
else the first still open on the reference day, else the latest. Numeric dates are day first unless the source
says otherwise (``date_order``: ``DMY``, ``MDY`` or ``YMD``). dateparser reads the values of structured fields
(:func:`parse_date`); dates in running text are read by the patterns below, which know where they start and end.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Protocol, TypeVar

from core.model import DateOrder, Item, ItemKind
from watch.cues import CueMatch, Meaning, cues_in

DATE_ORDERS = tuple(DateOrder)


class _Span(Protocol):
    @property
    def end(self) -> int: ...


_T = TypeVar("_T", bound=_Span)
MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "août": 8,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
_ABBREVIATED = {
    "janv": 1, "févr": 2, "fevr": 2, "fév": 2, "fev": 2, "avr": 4, "juil": 7, "sept": 9, "oct": 10, "nov": 11,
    "déc": 12, "dec": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
}  # fmt: skip
_ENGLISH = [m for m, n in MONTHS.items() if m.isascii() and m not in {"mars", "mai", "juin", "avril", "aout"}]
_ENGLISH = [m for m in _ENGLISH if not m.endswith("ier") and not m.endswith("bre") and m not in {"juillet"}]
_ALL_MONTHS = sorted([*MONTHS, *_ABBREVIATED], key=len, reverse=True)
_WEEKDAY = (
    r"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday)\.?,?\s+)?"
)
_MONTH = "(?:" + "|".join(_ALL_MONTHS) + ")"
_ORD = r"(?:er|re|e|st|nd|rd|th)?"
_MENTION = re.compile(
    # 15 mars 2025, lundi 30 avril 2018, 1er décembre, 27-jun-2024, 2 juillet
    rf"(?<![\w/.-]){_WEEKDAY}(?P<d>\d{{1,2}}){_ORD}(?:\s+|\s*-\s*)(?P<m>{_MONTH})(?:\.(?=,?\s*\d)|(?!\w))"
    rf"(?:(?:,?\s+|\s*-\s*)(?P<y>\d{{4}})(?!\d))?"
    # April 2, 2025 / March 3
    rf"|(?<!\w)(?P<em>{'|'.join(_ENGLISH)})\.?\s+(?P<ed>\d{{1,2}}){_ORD}(?!\d)(?:,?\s+(?P<ey>\d{{4}})(?!\d))?"
    # 31/01/2018, 01.08.2021, 21/03/26
    r"|(?<![\w/.-])(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{4}|(?<=/)\d{2})(?![\w/-]|\.\d)"
    # 2025-03-31, 2025/03/31
    r"|(?<![\w/.-])(?P<iy>\d{4})[-/](?P<im>\d{1,2})[-/](?P<id>\d{1,2})(?![\w/])"
    # the bare first day of a range: « du 7 au 12 juin »
    rf"|(?<![\w/.-]){_WEEKDAY}(?P<bd>\d{{1,2}}){_ORD}(?=\s*(?:au|-|–|to)\s+(?:le\s+)?{_WEEKDAY}\d{{1,2}}{_ORD}\s+{_MONTH})"
)
_YEAR = re.compile(r"(?<![\w/.-])((?:19[89]|20\d)\d)(?![\w/]|-\d)")
_RANGE_JOIN = re.compile(r"\s*(?:au|à|to|till|until|through|-|–|—|jusqu'au)\s+(?:le\s+|the\s+)?$")
_ROW = re.compile(r"\s*[:–—-]\s*(?:la |le |l')?")
_LIST_JOIN = re.compile(r"\s*(?:,|et|ou|and|or|&)\s+(?:le\s+|the\s+|au\s+)?$")
_SENTENCE_END = re.compile(r"\s*(?:\||•|(?<=[!?;])\s|\.(?=\s+[A-ZÀ-Ý«\"(])|\.$)\s*")
# Runs of spaces become one plain space: only the runs that are not already one (a lone plain space is left alone,
# so an ordinary text is not rebuilt space by space).
_ODD_SPACE = r"\t\u00a0\u202f\u2009\u2007\u2002\u2003\u200a\u205f\u3000"
_SPACES = re.compile(f"[ {_ODD_SPACE}]{{2,}}|[{_ODD_SPACE}]")
_COMBINING = re.compile(r"[\u0300-\u036f]")
# Replaced one by one: str.translate looks every character of a non-ASCII text up in a dict (25 µs for a short
# item), str.replace scans in C and skips what is absent.
_APOSTROPHES = (("’", "'"), ("‘", "'"), ("ʼ", "'"), ("´", "'"), ("`", "'"), ("\r", "\n"), ("\u200b", ""))
_WINDOW = 110  # characters between a cue and its date, within one sentence
_LABEL_TAIL = 45  # a label line: a cue, then at most this many characters, then the end of the line
_EVIDENCE = 220
MAX_TEXT = 200_000  # characters read per item (a page is rarely longer; a hostile one may be)
_LABEL_PRIORITY = [Meaning.EXTENDED, Meaning.DEADLINE, Meaning.PERIOD, Meaning.OPENING]


class CallStatus(StrEnum):
    """Where a call stands on a given day, from its dates alone."""

    FORTHCOMING = "forthcoming"
    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Reading:
    """What a text says of its deadline and opening date, and the sentence each was read from."""

    deadline: date | None = None
    opening: date | None = None
    deadline_evidence: str | None = None
    opening_evidence: str | None = None


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    day: int
    month: int | None  # None: the bare first day of a range, completed by its end
    year: int | None

    def shifted(self, by: int) -> _Mention:
        return replace(self, start=self.start + by, end=self.end + by)


@dataclass(frozen=True, slots=True)
class _Finding:
    role: str  # "deadline" | "opening"
    when: date
    strong: bool
    extended: bool
    evidence: str
    pair: date | None = None  # the other end of the range it came from


@dataclass(frozen=True, slots=True)
class _Context:
    today: date
    published: date | None
    title_year: int | None
    order: str


def normalise(text: str) -> str:
    """Plain apostrophes, plain single spaces (no-break and thin ones included), composed accents."""
    text = unicodedata.normalize("NFC", text)
    for old, new in _APOSTROPHES:
        if old in text:
            text = text.replace(old, new)
    return _SPACES.sub(" ", _COMBINING.sub("", text))


def read_dates(
    text: str,
    *,
    reference: datetime,
    published: datetime | date | None = None,
    title: str = "",
    date_order: str = "DMY",
    weak_cues: bool = True,
) -> Reading:
    """The deadline and opening date ``text`` states (see the module's docstring), with their evidence."""
    if not text:
        return Reading()
    text = text[:MAX_TEXT]
    title_years = _YEAR.findall(normalise(title))
    ctx = _Context(
        today=reference.date(),
        published=published.date() if isinstance(published, datetime) else published,
        title_year=int(title_years[0]) if title_years else None,
        order=date_order if date_order in DATE_ORDERS else "DMY",
    )
    norm = normalise(text)
    low_all = _lower(norm)
    # One scan of the whole text for cues; only the lines holding a cue (and a label's next line) are read, and
    # scanned for dates (a date's scan tries five forms at every character: most lines of a long text hold no cue).
    all_cues = cues_in(low_all)
    if not all_cues:
        return Reading()
    cue_starts = [c.start for c in all_cues]
    findings: list[_Finding] = []
    label: tuple[CueMatch, str] | None = None
    offset = 0
    for raw in norm.split("\n"):
        lo, offset = offset, offset + len(raw) + 1
        line_cues = _within(all_cues, cue_starts, lo, lo + len(raw))
        if not raw.strip(_BULLETS) or (label is None and not line_cues):
            if raw.strip(_BULLETS):
                label = None
            continue
        carried, label = label, None
        line_has_date = False
        line_mentions = _mentions(low_all[lo : lo + len(raw)], ctx.order)
        mention_starts = [m.start for m in line_mentions]
        for i, (s, e) in enumerate(_sentences(raw)):
            low, sentence = low_all[lo + s : lo + e], norm[lo + s : lo + e]
            mentions = [m.shifted(-s) for m in _within(line_mentions, mention_starts, s, e)]
            cues = [c.shifted(-lo - s) for c in _within(all_cues, cue_starts, lo + s, lo + e)]
            line_has_date = line_has_date or bool(mentions)
            if i == 0 and carried is not None:
                cue, label_text = carried
                if cue.cue.meaning in (Meaning.TRAP, Meaning.RECURRING):
                    continue
                lead = re.match(r"(?:du|le|from|on|au)?\s*", low)
                if mentions and lead is not None and mentions[0].start <= lead.end():
                    findings += _claim(cue, low, mentions, f"{label_text} {sentence}", ctx, from_label=True)
            if any(c.cue.meaning == Meaning.RECURRING for c in cues):
                continue  # « chaque année au 15 novembre »: no date of this sentence is a deadline
            trapped: set[int] = set()
            for trap in (c for c in cues if c.cue.meaning == Meaning.TRAP):
                governed = _governed(trap, low, mentions, ())
                trapped.update(governed[0] if governed else ())
            free = [m for i, m in enumerate(mentions) if i not in trapped]
            for cue in cues:
                findings += _claim(cue, low, free, sentence, ctx, others=cues)
        line = raw.strip(_BULLETS)
        if not line_has_date and len(line) <= 120:
            indent = len(raw) - len(raw.lstrip(_BULLETS))
            label = _label(line, [c.shifted(-lo - indent) for c in line_cues])
    return _decide(findings, ctx, weak_cues)


_BULLETS = " -–•*>·"


def _sentences(line: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a line (table cells and bullets end one too), bullets and spaces left out."""
    spans, start = [], 0
    for m in [*_SENTENCE_END.finditer(line), None]:
        end = m.start() if m is not None else len(line)
        piece = line[start:end]
        if piece.strip(_BULLETS):
            lead = len(piece) - len(piece.lstrip(_BULLETS))
            spans.append((start + lead, start + len(piece.rstrip(_BULLETS))))
        if m is not None:
            start = m.end()
    return spans


def _within(found: list[_T], starts: list[int], lo: int, hi: int) -> list[_T]:
    """The cues or mentions (sorted by start) that lie inside [lo, hi)."""
    return [x for x in found[bisect_left(starts, lo) : bisect_left(starts, hi)] if x.end <= hi]


def find_deadline(text: str, *, reference: datetime, date_order: str = "DMY") -> date | None:
    """The deadline a text states, or None."""
    return read_dates(text, reference=reference, date_order=date_order).deadline


def find_opening(text: str, *, reference: datetime, date_order: str = "DMY") -> date | None:
    """The opening date a text states, or None."""
    return read_dates(text, reference=reference, date_order=date_order).opening


def status_on(today: date, *, opening: date | None, deadline: date | None) -> CallStatus:
    if deadline is not None and deadline < today:
        return CallStatus.CLOSED
    if opening is not None and opening > today:
        return CallStatus.FORTHCOMING
    if deadline is not None or opening is not None:
        return CallStatus.OPEN
    return CallStatus.UNKNOWN


def parse_date(value: object, *, reference: datetime, date_order: str = "DMY") -> date | None:
    """A date from a structured field (ISO string, "15/03/2027", "15 mars 2027", "March 3rd, 2027"), or None."""
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
    order = date_order if date_order in DATE_ORDERS else "DMY"
    low = _lower(normalise(text))
    found = _mentions(low, order)
    if found and found[0].year is not None and found[0].month is not None:
        return _date(found[0].year, found[0].month, found[0].day)
    return _dateparser(low, order, reference.date())


# --- mentions ------------------------------------------------------------------------------------------------------


def _lower(text: str) -> str:
    """Lower case with the positions of ``text`` (a few letters, such as "İ", lower to two characters)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _mentions(low: str, order: str) -> list[_Mention]:
    out = []
    for m in _MENTION.finditer(low):
        g = m.groupdict()
        if g["d"]:
            month = MONTHS.get(g["m"]) or _ABBREVIATED[g["m"]]
            if g["m"] in _ABBREVIATED and not g["y"] and g["m"] not in {"janv", "févr", "fevr", "juil", "sept"}:
                continue  # "1 mar", "3 jun": too short a word to be sure it is a month without a year
            out.append(_Mention(m.start(), m.end(), int(g["d"]), month, int(g["y"]) if g["y"] else None))
        elif g["em"]:
            if g["em"] == "may" and not g["ey"]:
                continue  # "may 2 people": the verb
            out.append(_Mention(m.start(), m.end(), int(g["ed"]), MONTHS[g["em"]], int(g["ey"]) if g["ey"] else None))
        elif g["a"]:
            a, b, c = int(g["a"]), int(g["b"]), int(g["c"])
            year = c + 2000 if c < 100 else c
            day, month = (b, a) if order == "MDY" else (a, b)
            if not 1 <= month <= 12 and 1 <= day <= 12:  # only the other order is a date: it is the one meant
                day, month = month, day
            out.append(_Mention(m.start(), m.end(), day, month, year))
        elif g["iy"]:
            out.append(_Mention(m.start(), m.end(), int(g["id"]), int(g["im"]), int(g["iy"])))
        elif g["bd"]:
            out.append(_Mention(m.start(), m.end(), int(g["bd"]), None, None))
    return out


def _date(year: int, month: int, day: int) -> date | None:
    if not 1990 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


@lru_cache(maxsize=2048)
def _dateparser(text: str, order: str, today: date) -> date | None:
    """dateparser for the phrases of structured fields the patterns do not know; day and month required."""
    if not any(ch.isdigit() for ch in text):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateparser warns about its own use of deprecated APIs
        # Imported on first use: with its language data and the regex module it costs a process ~15 MB, and most
        # collections never need it (the patterns read the dates of feeds, calendars and most pages).
        from dateparser.search import search_dates

        found = search_dates(
            text,
            languages=["fr", "en"],
            settings={
                "RELATIVE_BASE": datetime(today.year, today.month, today.day),
                "DATE_ORDER": order,
                "REQUIRE_PARTS": ["day", "month", "year"],
                "STRICT_PARSING": False,
            },
        )
    if not found:
        return None
    matched, when = found[0]
    if not any(ch.isdigit() for ch in matched):
        return None
    result: date = when.date()
    return result


# --- cues claiming dates -------------------------------------------------------------------------------------------


def _governed(
    cue: CueMatch, low: str, mentions: list[_Mention], others: Sequence[CueMatch], from_label: bool = False
) -> tuple[list[int], list[str]] | None:
    """The mentions ``cue`` governs in its sentence: the first one after it (before it for an ``after`` cue), and the
    range or list it starts (``kinds[i]``: "range" or "list" between the i-th and the next)."""
    if not mentions:
        return None
    if from_label:
        first = 0
    elif cue.cue.after:
        before = [i for i, m in enumerate(mentions) if m.end <= cue.start and cue.start - m.end <= 6]
        if not before or re.search(r"[^\s,]", low[mentions[before[-1]].end : cue.start]):
            return None
        first = before[-1]
    else:
        after = [i for i, m in enumerate(mentions) if m.start >= cue.end and m.start - cue.end <= _WINDOW]
        if not after:
            # « 15 mars 2027 : date limite de dépôt », a calendar's row: the date, a separator, the cue
            before = [i for i, m in enumerate(mentions) if m.end <= cue.start]
            row = before and _ROW.fullmatch(low[mentions[before[-1]].end : cue.start])
            if row and ":" not in low[cue.end :]:  # « 3 mars - Date limite : à préciser » is a label, not a row
                return [before[-1]], []
            return None
        first = after[0]
        nearest = mentions[first].start
        if any(cue.end <= o.start < nearest and _rivals(cue, o) for o in others):
            return None  # a cue of the other kind stands nearer (« ouverture le 1er mars, clôture le 30 avril »)
    chain = [first]
    kinds: list[str] = []
    while chain[-1] + 1 < len(mentions):
        cur, nxt = mentions[chain[-1]], mentions[chain[-1] + 1]
        gap = low[cur.end : nxt.start] + " "
        if _RANGE_JOIN.match(gap) and (not kinds or kinds[-1] == "list") and len(gap) < 16:
            kinds.append("range")
        elif _LIST_JOIN.match(gap) and len(gap) < 12:
            kinds.append("list")
        else:
            break
        chain.append(chain[-1] + 1)
    return chain, kinds


def _claim(
    cue: CueMatch,
    low: str,
    mentions: list[_Mention],
    sentence: str,
    ctx: _Context,
    *,
    others: Sequence[CueMatch] = (),
    from_label: bool = False,
) -> list[_Finding]:
    """What the dates ``cue`` governs say: deadlines, openings, or both for a range after a period cue."""
    meaning = cue.cue.meaning
    if meaning in (Meaning.TRAP, Meaning.RECURRING, Meaning.VOID):
        return []
    governed = _governed(cue, low, mentions, others, from_label)
    if governed is None:
        return []
    chain, kinds = governed
    first = chain[0]
    dates = _complete([mentions[i] for i in chain], kinds, low, ctx)
    evidence = _evidence(sentence, cue.start if not from_label else 0, mentions[chain[-1]].end)
    out: list[_Finding] = []
    strong, extended = cue.cue.strong, meaning == Meaning.EXTENDED
    prefix = low[cue.end : mentions[first].start] if not cue.cue.after and not from_label else ""
    i = 0
    while i < len(dates):
        start = dates[i]
        if i < len(kinds) and kinds[i] == "range":
            end = dates[i + 1]
            if start is not None and end is not None and start <= end:
                if meaning in (Meaning.PERIOD, Meaning.OPENING):
                    out.append(_Finding("opening", start, strong, False, evidence, end))
                if meaning != Meaning.OPENING:
                    out.append(_Finding("deadline", end, strong, extended, evidence, start))
            i += 2
            continue
        if start is not None:
            if meaning in (Meaning.DEADLINE, Meaning.EXTENDED):
                out.append(_Finding("deadline", start, strong, extended, evidence))
            elif meaning == Meaning.OPENING or re.search(r"(?:du|à partir du|dès le|from)\s*$", prefix):
                out.append(_Finding("opening", start, strong, False, evidence))
        i += 1
    return out


def _rivals(a: CueMatch, b: CueMatch) -> bool:
    opening = {Meaning.OPENING}
    deadline = {Meaning.DEADLINE, Meaning.EXTENDED}
    return (a.cue.meaning in opening and b.cue.meaning in deadline) or (
        a.cue.meaning in deadline and b.cue.meaning in opening
    )


def _complete(chain: list[_Mention], kinds: list[str], low: str, ctx: _Context) -> list[date | None]:
    """Dates of a chain of mentions: a missing month or year is taken from the mention that ends the range or list
    (« du 7 au 12 juin 2026 », « le 31 mars et le 15 juin 2017 »), then from the sentence after it, then from
    the publication date or the title."""
    out: list[date | None] = []
    for i, m in enumerate(chain):
        month, year = m.month, m.year
        later = chain[i + 1 :]
        if month is None:
            month = next((n.month for n in later if n.month is not None), None)
        if year is None:
            year = next((n.year for n in later if n.year is not None), None)
            if year is None:
                found = _YEAR.search(low, chain[-1].end)
                year = int(found.group(1)) if found else None
            if year is None and month is not None:
                year = _context_year(m.day, month, ctx)
        when = _date(year, month, m.day) if year is not None and month is not None else None
        if when is not None and i < len(kinds) and kinds[i] == "range" and m.year is None:
            end = chain[i + 1]
            end_month = end.month or month
            if (month, m.day) > (end_month, end.day):  # « du 15 décembre au 15 janvier 2025 »
                when = _date(when.year - 1, when.month, when.day)
        out.append(when)
    return out


def _context_year(day: int, month: int, ctx: _Context) -> int | None:
    if ctx.published is not None:
        guess = _date(ctx.published.year, month, day)
        if guess is not None and guess < ctx.published - timedelta(days=31):
            return ctx.published.year + 1  # a date stated before the publication is next year's
        return ctx.published.year
    return ctx.title_year


def _label(line: str, line_cues: list[CueMatch]) -> tuple[CueMatch, str] | None:
    """A cue that ends its line (« Date limite de dépôt des candidatures », "Closing:"): it reads the next line."""
    low = _lower(line)
    cues = [c for c in line_cues if not c.cue.after]
    if not cues:
        return None
    trap = next((c for c in cues if c.cue.meaning in (Meaning.TRAP, Meaning.RECURRING)), None)
    if trap is not None:
        return trap, line
    last = cues[-1]
    if len(low) - last.end > _LABEL_TAIL or re.search(r"[.!?]\s*\S", low[last.end :]):
        return None
    return min(cues, key=lambda c: _LABEL_PRIORITY.index(c.cue.meaning)), line


def _evidence(sentence: str, start: int, end: int) -> str:
    text = sentence.strip()
    if text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip()  # « (Date limite : 15 mars 2027) » cut after its opening parenthesis
    if len(text) <= _EVIDENCE:
        return text
    lo = max(0, min(start, end - _EVIDENCE + 40) - 20)
    hi = min(len(sentence), max(end + 40, lo + _EVIDENCE))
    return ("…" if lo > 0 else "") + sentence[lo:hi].strip() + ("…" if hi < len(sentence) else "")


# --- deciding ------------------------------------------------------------------------------------------------------


def _decide(findings: list[_Finding], ctx: _Context, weak_cues: bool) -> Reading:
    deadlines = [f for f in findings if f.role == "deadline"]
    pool = [f for f in deadlines if f.extended] or [f for f in deadlines if f.strong]
    if not pool and weak_cues:
        pool = deadlines
    chosen = _session(pool, ctx.today)
    openings = [f for f in findings if f.role == "opening"]
    opening = None
    if chosen is not None and chosen.pair is not None and any(o.when == chosen.pair for o in openings):
        opening = next(o for o in openings if o.when == chosen.pair)
    elif openings:
        fitting = [o for o in openings if chosen is None or o.when <= chosen.when]
        opening = max(fitting, key=lambda o: o.when) if fitting else None
    return Reading(
        deadline=chosen.when if chosen else None,
        opening=opening.when if opening else None,
        deadline_evidence=chosen.evidence if chosen else None,
        opening_evidence=opening.evidence if opening else None,
    )


def _session(pool: list[_Finding], today: date) -> _Finding | None:
    """Of several deadlines, the first still open on ``today``, else the latest."""
    if not pool:
        return None
    still_open = [f for f in pool if f.when >= today]
    if still_open:
        return min(still_open, key=lambda f: f.when)
    return max(pool, key=lambda f: f.when)


# --- on an item ----------------------------------------------------------------------------------------------------

TEXT_ORIGIN = "text"


def evidence_of(origin: str | None) -> str | None:
    """The sentence a date was read from, out of its ``field_origins`` value (``"text: …"``), or None."""
    if origin and origin.startswith(TEXT_ORIGIN + ": "):
        return origin[len(TEXT_ORIGIN) + 2 :]
    return None


def read_item_dates(item: Item, *, reference: datetime, date_order: str = "DMY", extra_text: str = "") -> None:
    """Deadline and opening date of ``item`` read from its whole text (and ``extra_text``: its detail page), unless
    a structured field gave them; ``field_origins`` keeps the sentence read (``"text: …"``)."""
    from watch.item_text import item_text

    text = item_text(item) + ("\n" + extra_text if extra_text else "")
    reading = read_dates(
        text,
        reference=reference,
        published=item.published_at,
        title=item.title,
        date_order=date_order,
        # « visible jusqu'au 30 novembre »: an event's end or a programme's, not a deadline
        weak_cues=item.kind not in (ItemKind.EVENT, ItemKind.NEWS),
    )
    for name, value, evidence in (
        ("deadline", reading.deadline, reading.deadline_evidence),
        ("opening_date", reading.opening, reading.opening_evidence),
    ):
        origin = item.field_origins.get(name, "")
        if getattr(item, name) is not None and not origin.startswith(TEXT_ORIGIN):
            continue  # a structured field (JSON-LD, a selector, the API) gave it
        setattr(item, name, value)
        if value is None:
            item.field_origins.pop(name, None)
        else:
            item.field_origins[name] = f"{TEXT_ORIGIN}: {evidence}" if evidence else TEXT_ORIGIN
