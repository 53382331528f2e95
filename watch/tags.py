"""Tag suggestions from the taxonomy's keywords, each with its reason. Suggestions never remove anything.

Matching ignores accents and case, on whole words. Abbreviations (a keyword written in capitals, such as ECSI,
VSI or ODD) match only when written in capitals, so "odd" in English text or "ami" is not a hit; the field's
common abbreviations also match their spelled-out forms, and the reverse.

Zones and territories are places (:mod:`watch.places`): their keywords match whole place names only, with their
capitals (or in all capitals), hyphenated compounds and longer names winning (« Pays de la Loire » is no Loire,
« Auvergne-Rhône-Alpes » no Rhône, « ministère de l’Europe… » no Europe), and not in the text's footer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.model import SuggestedTag
from core.text import strip_accents
from watch import places
from watch.literals import Needs, may_match, required

# The field's abbreviations and what they stand for (both forms suggest the same tags).
ABBREVIATIONS: dict[str, str] = {
    "AAP": "appel à projets",
    "AMI": "appel à manifestation d'intérêt",
    "VSI": "volontariat de solidarité internationale",
    "ECSI": "éducation à la citoyenneté et à la solidarité internationale",
    "ODD": "objectifs de développement durable",
    "OSIM": "organisation de solidarité internationale issue des migrations",
    "ESS": "économie sociale et solidaire",
    "JSI": "jeunesse et solidarité internationale",
}


@dataclass(frozen=True, slots=True)
class Rule:
    """Keywords that suggest ``tag`` (a taxonomy slug) from ``family`` (themes, zones…)."""

    tag: str
    family: str
    keywords: Sequence[str]
    place: bool | None = None  # a zone or territory: None decides from the family's name


# Families whose keywords are place names (the taxonomy's ``zones`` and ``territories``, by key or French label).
PLACE_FAMILIES = frozenset({"zone", "zones", "territoire", "territoires", "territory", "territories"})


@dataclass(frozen=True, slots=True)
class _Compiled:
    tag: str
    family: str
    # (keyword, needle, pattern, on the original case): the needle is a plain substring tested first, because
    # most keywords are absent from most items and `in` is far cheaper than a regex search.
    patterns: tuple[tuple[str, str, re.Pattern[str], bool], ...]
    # A needle's pattern bounds it by non-word characters, so each of its words is a whole word of any text it
    # matches: its longest word (the rarest) is its anchor, and a rule none of whose anchors is a word of the text
    # cannot match. (anchor, on the original case); None for a needle without a word.
    anchors: frozenset[tuple[str, bool] | None] = frozenset()
    place: bool = False


def fold(text: str) -> str:
    """Accents removed, lower case, typographic apostrophes made plain."""
    return strip_accents(text.replace("’", "'")).casefold()


def _is_abbreviation(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return 2 <= len(letters) <= 6 and all(c.isupper() for c in letters) and " " not in word


_WORD = re.compile(r"\w+")


def compile_rules(rules: Iterable[Rule]) -> list[_Compiled]:
    out = []
    for rule in rules:
        place = rule.family.casefold() in PLACE_FAMILIES if rule.place is None else rule.place
        if place:
            out.append(_compile_place(rule))
            continue
        pats: list[tuple[str, str, re.Pattern[str], bool]] = []
        for kw in rule.keywords:
            forms = [kw]
            if kw in ABBREVIATIONS:
                forms.append(ABBREVIATIONS[kw])
            for form in forms:
                exact = _is_abbreviation(form)
                needle = strip_accents(form) if exact else fold(form)
                pats.append((kw, needle, re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)"), exact))
            for abbr, spelled in ABBREVIATIONS.items():  # a spelled-out keyword also matches its abbreviation
                if fold(spelled) == fold(kw):
                    pats.append((kw, abbr, re.compile(rf"(?<!\w){abbr}(?!\w)"), True))
        anchors = frozenset(
            (max(_WORD.findall(n), key=len), exact) if _WORD.search(n) else None for _, n, _, exact in pats
        )
        out.append(_Compiled(rule.tag, rule.family, tuple(pats), anchors))
    return out


def _compile_place(rule: Rule) -> _Compiled:
    """A place keyword is searched on the accent-stripped text with its capitals (see :func:`places.name_pattern`);
    its anchor is a folded word, since the name may also be written in capitals."""
    pats = []
    for kw in rule.keywords:
        needle = places.strip(kw)
        pats.append((kw, needle, places.name_pattern(needle, ignore_case=needle == needle.lower()), True))
    anchors = frozenset(
        (max(_WORD.findall(fold(n)), key=len), False) if _WORD.search(n) else None for _, n, _, _ in pats
    )
    return _Compiled(rule.tag, rule.family, tuple(pats), anchors, place=True)


def suggest(fields: dict[str, str], rules: Sequence[_Compiled], *, already: Iterable[str] = ()) -> list[SuggestedTag]:
    """Tags whose keywords appear in ``fields`` (name → text), with the first reason found, in rule order."""
    have = set(already)
    original = {name: places.strip(text) for name, text in fields.items() if text}
    folded = {name: text.casefold() for name, text in original.items()}  # = fold(), one NFKD
    by_word, by_exact_word, always, keywords = _index(rules)
    where = _Places(original, keywords)
    candidates = set(always)
    for word in by_word.keys() & _WORD.findall(" ".join(folded.values())):
        candidates.update(by_word[word])
    for word in by_exact_word.keys() & _WORD.findall(" ".join(original.values())):
        candidates.update(by_exact_word[word])
    out: list[SuggestedTag] = []
    for i in sorted(candidates):
        rule = rules[i]
        if rule.tag in have:
            continue
        reason = _first_hit(rule, folded, original, where)
        if reason:
            out.append(SuggestedTag(rule.tag, reason))
            have.add(rule.tag)
    return out


_Index = tuple[dict[str, list[int]], dict[str, list[int]], list[int], tuple[places._Name, ...]]
_last_index: tuple[Sequence[_Compiled], _Index] | None = None


def _index(rules: Sequence[_Compiled]) -> _Index:
    """Anchor word → the rules (their positions) it may trigger, folded and on the original case, and the rules
    that always need a look. Kept for the last rule list seen: a parse job passes one list for all its items."""
    global _last_index
    last = _last_index
    if last is not None and last[0] is rules:
        return last[1]
    by_word: dict[str, list[int]] = {}
    by_exact_word: dict[str, list[int]] = {}
    always: list[int] = []
    for i, rule in enumerate(rules):
        for anchor in rule.anchors:
            if anchor is None:
                always.append(i)
            else:
                (by_exact_word if anchor[1] else by_word).setdefault(anchor[0], []).append(i)
    keywords = places.keyword_names(n for r in rules if r.place for _, n, _, _ in r.patterns)
    index = (by_word, by_exact_word, always, keywords)
    _last_index = (rules, index)
    return index


_FIELD_FR = {"title": "le titre", "summary": "le résumé", "place": "le lieu", "body": "le texte"}


# Fields whose end may be a footer (the publisher's address is not where the action happens).
_LONG_FIELDS = frozenset({"summary", "body"})


class _Places:
    """The place names of each field, found once per call and only if a place rule needs them: (start, end) of
    each whole place, and where the field's footer begins."""

    def __init__(self, original: dict[str, str], keywords: tuple[places._Name, ...]) -> None:
        self.original = original
        self.keywords = keywords
        self._found: dict[str, tuple[frozenset[tuple[int, int]], int]] = {}

    def of(self, name: str) -> tuple[frozenset[tuple[int, int]], int]:
        if name not in self._found:
            text = self.original[name]
            whole = frozenset(
                (s.start, s.end) for s in places.spans(text, self.keywords) if s.kind not in places.NOT_PLACES
            )
            self._found[name] = (whole, places.footer_start(text) if name in _LONG_FIELDS else len(text))
        return self._found[name]


def _first_hit(
    rule: _Compiled, folded: dict[str, str], original: dict[str, str], where: _Places | None = None
) -> str | None:
    if rule.place and where is None:
        where = _Places(original, places.keyword_names(n for _, n, _, _ in rule.patterns))
    for name in folded:
        for keyword, needle, pattern, exact in rule.patterns:
            text = original[name] if exact else folded[name]
            if where is not None and rule.place:
                if not may_match(_place_needs(pattern), text):
                    continue  # the name's letters are not in the field: no scan
                hits = [(m.start(), m.end()) for m in pattern.finditer(text)]
                if not hits:
                    continue
                whole, footer = where.of(name)  # the field's places, found once and only when needed
                if any(hit in whole and hit[0] < footer for hit in hits):
                    return f"{rule.family} : mot-clé « {keyword} » dans {_FIELD_FR.get(name, name)}"
            elif needle in text and pattern.search(text):
                return f"{rule.family} : mot-clé « {keyword} » dans {_FIELD_FR.get(name, name)}"
    return None


_NEEDS: dict[re.Pattern[str], Needs] = {}


def _place_needs(pattern: re.Pattern[str]) -> Needs:
    """The literal text every match of a place pattern holds (:mod:`watch.literals`), read once per pattern."""
    needs = _NEEDS.get(pattern)
    if needs is None:
        needs = _NEEDS[pattern] = required(pattern.pattern) if not pattern.flags & re.IGNORECASE else ()
    return needs
