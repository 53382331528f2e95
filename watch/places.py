"""Places as names, not substrings: where a place name in a text begins and ends.

A tag rule for a zone or a territory matches only a whole place: the longest known place name at that spot of
the text, with its hyphenated compounds and its capitals. So « Pays de la Loire » is a region and never the Loire
département, « Loire-Atlantique » or « Centre-Val de Loire » are not Loire, « Auvergne-Rhône-Alpes » is not the
Rhône, and « ministère de l’Europe et des Affaires étrangères » (an organisation whose name holds a place) is no
zone. The names known here (:mod:`watch.gazetteer`) only stop shorter names from matching inside them; the
taxonomy's keywords decide what is suggested.

Texts reaching :func:`spans` are accent-stripped and their typographic apostrophes made plain (what
``watch.tags`` compares).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from core.text import strip_accents
from watch.gazetteer import AMBIGUOUS, ASIDES, COUNTRIES, DEPARTEMENTS, ORGANISATIONS, REGIONS, ZONES

# Letters, digits, hyphens: what continues a place name (« Loire-Atlantique »). An apostrophe does not
# (« l'Ain », « d'Afrique »).
_BEFORE = r"(?<![\w-])"
_AFTER = r"(?![\w-])"
_WORD = re.compile(r"\w+")
_DETERMINER = re.compile(
    r"(?:\b(?:le|la|les|du|des|au|aux|en|a|dans|sur)\s+|\bl'|\bd'|\b\d{5}\s+|departement\s+(?:du|de\s+la|de\s+l'|des)\s*)$",
    re.IGNORECASE,
)
# « l'AFD Paris », « la MJC Cahors »: an organisation's office, named by its acronym and its town.
_ACRONYM_BEFORE = re.compile(r"(?:\bl'|\b(?:la|le|les|du|des|a)\s+)[A-Z]{2,6}\s+$")
_ASIDES = tuple((triggers, re.compile(p, re.IGNORECASE), line) for triggers, p, line in ASIDES)
_CODE_AFTER = re.compile(r"\s*\((?:\d{2,3}|2[AB])\)")
_DIRECTION_AFTER = re.compile(r"\s+(?:du|de|des|d')\b|\s*[-/]\s*Sud\b|\s+et\s+(?:du|le)\s+Sud\b", re.IGNORECASE)
_DIRECTION_BEFORE = re.compile(
    r"(?:pays|hemisphere|partenaires|acteurs|relations|Sud\s+et)\s+(?:du|le)\s+$", re.IGNORECASE
)
# A country or zone followed by a département number is an association's name (« Guinée 44 »), unless the
# number counts something (« Mali 12 mois ») or is a day.
_ORG_NUMBER = re.compile(
    r" (?:0[1-9]|[1-8]\d|9[0-5]|2[AB])(?!\d|[,.]\d|\s*(?:%|€|\$|h\b|ans?\b|années?\b|mois\b|jours?\b|semaines?\b"
    r"|heures?\b|km\b|euros?\b|janvier|fevrier|mars|avril|mai\b|juin|juillet|aout|septembre|octobre|novembre"
    r"|decembre))"
)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str  # departement | region | country | zone | keyword; organisation | aside | word: no place


@dataclass(frozen=True, slots=True)
class _Name:
    text: str  # accent-stripped, as written (its capitals are part of it)
    kind: str
    ignore_case: bool
    anchor: str  # its longest word, to skip names whose words are not in the text

    @property
    def pattern(self) -> re.Pattern[str]:
        """Compiled when a text first holds its anchor word: a process compiles the names its texts name, not the
        410 known ones (35 ms of a parse worker's first item)."""
        return _compiled(self.text, self.ignore_case)


def strip(text: str) -> str:
    """What names are compared on: accents removed, typographic apostrophes made plain."""
    return strip_accents(text.replace("\u2019", "'").replace("\u02bc", "'"))


def name_pattern(name: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """A place name as written or in capitals, with whole-name boundaries (hyphens continue a name)."""
    body = re.escape(name).replace(r"\ ", r"\s+").replace("'", "['\u2019]")
    if ignore_case:
        return re.compile(rf"{_BEFORE}{body}{_AFTER}", re.IGNORECASE)
    upper = re.escape(name.upper()).replace(r"\ ", r"\s+").replace("'", "['\u2019]")
    return re.compile(rf"{_BEFORE}(?:{body}|{upper}){_AFTER}")


@lru_cache(maxsize=4096)
def _compiled(name: str, ignore_case: bool) -> re.Pattern[str]:
    return name_pattern(name, ignore_case=ignore_case)


def _make(text: str, kind: str) -> _Name:
    stripped = strip(text)
    ignore_case = kind == "organisation" or stripped == stripped.lower()  # a lower-case keyword: any case
    words = _WORD.findall(stripped.casefold())
    return _Name(stripped, kind, ignore_case, max(words, key=len) if words else "")


@lru_cache(maxsize=1)
def _known() -> tuple[_Name, ...]:
    names: list[_Name] = []
    for _, name in DEPARTEMENTS:
        names.append(_make(name, "departement"))
    names += [_make(n, "region") for n in REGIONS]
    names += [_make(n, "country") for n in COUNTRIES]
    names += [_make(n, "zone") for n in ZONES]
    names += [_make(n, "organisation") for n in ORGANISATIONS]
    return tuple(names)


@lru_cache(maxsize=1)
def _ambiguous() -> frozenset[str]:
    return frozenset(strip(n) for n in AMBIGUOUS)


def keyword_names(keywords: Iterable[str]) -> tuple[_Name, ...]:
    """The taxonomy's own place names, compiled once, to compete with the known ones in :func:`spans`."""
    return tuple(_make(k, "keyword") for k in dict.fromkeys(keywords))


_INDEXES: dict[int, tuple[tuple[_Name, ...], dict[str, tuple[_Name, ...]]]] = {}


def _by_anchor(keywords: tuple[_Name, ...]) -> dict[str, tuple[_Name, ...]]:
    """Known names and ``keywords`` by their anchor word: a text's words pick the few names worth a search. Kept
    per keyword tuple (by identity: a collection passes the same one for all its items)."""
    cached = _INDEXES.get(id(keywords))
    if cached is not None and cached[0] is keywords:
        return cached[1]
    index: dict[str, list[_Name]] = {}
    for name in (*_known(), *keywords):
        index.setdefault(name.anchor, []).append(name)
    if len(_INDEXES) > 8:
        _INDEXES.clear()
    _INDEXES[id(keywords)] = (keywords, result := {anchor: tuple(names) for anchor, names in index.items()})
    return result


def spans(text: str, keywords: tuple[_Name, ...] = ()) -> list[Span]:
    """Where place names are in ``text`` (already :func:`strip`-ped): the longest name wins where names overlap;
    ``keywords`` (from :func:`keyword_names`) compete with the known ones. Sorted by start."""
    folded = text.casefold()
    index = _by_anchor(keywords)
    found: list[Span] = []
    for word in index.keys() & set(_WORD.findall(folded)):
        for name in index[word]:
            found += _matches(text, name)
    for triggers, pattern, line in _ASIDES:
        if any(t in folded for t in triggers):
            for m in pattern.finditer(text):
                start, end = m.start(), m.end()
                if line:  # the whole line: a synopsis names its places anywhere in it
                    start, end = text.rfind("\n", 0, start) + 1, (text.find("\n", end) + 1 or len(text) + 1) - 1
                found.append(Span(start, end, "aside"))
    # Longest first, then leftmost: a name inside a longer one (or overlapping it) is no place of its own.
    found.sort(key=lambda s: (-(s.end - s.start), s.start, s.kind == "keyword"))
    chosen: list[Span] = []
    taken: list[tuple[int, int]] = []
    for span in found:
        if any(span.start < e and s < span.end for s, e in taken):
            continue
        taken.append((span.start, span.end))
        chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def _matches(text: str, name: _Name) -> list[Span]:
    found = []
    for m in name.pattern.finditer(text):
        start, end, kind = m.start(), m.end(), name.kind
        if name.text in _ambiguous() and not _in_context(text, start, end):
            kind = "word"  # « Lot 2 », « Cher partenaire », « pays du Nord » : a common word, no place
        elif kind in {"country", "zone"} and (org := _ORG_NUMBER.match(text, end)):
            end, kind = org.end(), "organisation"
        elif _ACRONYM_BEFORE.search(text[max(0, start - 12) : start]):
            kind = "organisation"
        found.append(Span(start, end, kind))
    return found


def _in_context(text: str, start: int, end: int) -> bool:
    """A name that is also a common word (Lot, Cher, Nord, Somme…) is a place after a determiner, a postal code
    or « département du », or before its code in brackets; « Nord » before « du »/« -Sud » is a direction."""
    if _DIRECTION_AFTER.match(text, end) or _DIRECTION_BEFORE.search(text[max(0, start - 30) : start]):
        return False
    return bool(_DETERMINER.search(text[max(0, start - 30) : start]) or _CODE_AFTER.match(text, end))


_FOOTER_LINE = re.compile(
    r"^\s*(?:contacts?\b|nous contacter|bureaux?\b|adresse\b|nos coordonnees|informations pratiques|mentions legales"
    r"|plan du site|suivez-nous|newsletter|lettre d'information|accessibilite|politique de confidentialite|cookies"
    r"|copyright|tous droits reserves|©)",
    re.IGNORECASE,
)


def footer_start(text: str) -> int:
    """Where a text's footer begins (contact lines, offices, legal notices in its second half), else its length.
    Places named only there are the publisher's seat, not where the action happens."""
    half = len(text) // 2
    pos = 0
    for line in text.splitlines(keepends=True):
        if pos >= half and _FOOTER_LINE.search(line):
            return pos
        pos += len(line)
    return len(text)


NOT_PLACES = frozenset({"organisation", "aside", "word"})  # span kinds that hide the names inside them
