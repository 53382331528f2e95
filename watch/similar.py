"""What two sightings of one call have in common when their titles differ: their text and the links it names.

Relays rewrite the title of a call (« AAP Initiatives locales 2027 » / « Appel à projets : les initiatives
locales de solidarité, édition 2027 ») but keep its text, or quote most of it; and they usually link to the
official page. Texts are compared as sets of word 3-shingles (accents, case and punctuation ignored), each kept
as a bottom-k MinHash sketch (its 256 smallest shingle hashes and its size), by their Jaccard similarity and by
how much of the shorter one the other contains (a relay quoting half of the official text). What tells calls
apart however much their texts share (one funder's template filled in twice): different years or other numbers
in the titles (« 2026 » / « 2027 », « lot 1 » / « lot 2 »), different reference numbers in the texts
(« n°12-3 », « EuropeAid/164139 »).
"""

from __future__ import annotations

import hashlib
import heapq
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from typing import TypeVar

from watch.clean import canonical_url, text_lines
from watch.tags import fold

SHINGLE = 3  # words per shingle
SKETCH = 256  # a text is kept as its 256 smallest shingle hashes (a bottom-k MinHash sketch) and its size
MIN_SHINGLES = 20  # shorter texts say too little to be compared
SAME_TEXT_JACCARD = 0.35  # measured: a relay of the same call 0.42; two calls of one funder's template 0.23
SAME_TEXT_CONTAINED = 0.5  # measured: 0.60 and 0.38 for the same pairs
_WORD = re.compile(r"\w+")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_URL = re.compile(r"https?://[^\s<>\"'»)]+")
_CACHE_SIZE = 2048


@dataclass(frozen=True, slots=True)
class Sketch:
    size: int  # how many distinct shingles the text has
    smallest: frozenset[int]  # the SKETCH smallest of their hashes (all of them for a short text)


def sketch(html: str) -> Sketch:
    """The text's word 3-shingles (accents, case and punctuation folded), hashed (stable across processes) and
    reduced to a fixed-size sketch: two texts compare in constant time and memory, whatever their length."""
    return _cached(_SKETCHES, html, _sketch)


def _sketch(html: str) -> Sketch:
    words = _WORD.findall(fold(text_lines(html)))
    hashes = {zlib.crc32(" ".join(words[i : i + SHINGLE]).encode()) for i in range(len(words) - SHINGLE + 1)}
    return Sketch(len(hashes), frozenset(heapq.nsmallest(SKETCH, hashes)))


def overlap(a: Sketch, b: Sketch) -> tuple[float, float]:
    """(Jaccard similarity, share of the shorter text found in the other), estimated from the sketches (exact
    for texts of at most SKETCH shingles); (0, 0) when either text is too short to tell."""
    if min(a.size, b.size) < MIN_SHINGLES:
        return 0.0, 0.0
    union = heapq.nsmallest(SKETCH, a.smallest | b.smallest)
    jaccard = sum(1 for h in union if h in a.smallest and h in b.smallest) / len(union)
    contained = jaccard * (a.size + b.size) / ((1 + jaccard) * min(a.size, b.size))
    return jaccard, min(contained, 1.0)


def is_same_text(a: Sketch, b: Sketch) -> bool:
    jaccard, contained = overlap(a, b)
    return jaccard >= SAME_TEXT_JACCARD or contained >= SAME_TEXT_CONTAINED


def links(html: str) -> frozenset[str]:
    """The canonical URLs a text names: its links' targets and the addresses written out in it (read from the
    sanitised HTML, where every ``href`` is absolute and quoted)."""
    if "http" not in html:
        return frozenset()
    return _cached(_LINKS, html, _links)


def _links(html: str) -> frozenset[str]:
    found = (canonical_url(unescape(u).rstrip(".,;:")) for u in _URL.findall(html))
    return frozenset(u for u in found if u)


_T = TypeVar("_T")
_SKETCHES: dict[bytes, Sketch] = {}
_LINKS: dict[bytes, frozenset[str]] = {}


def _cached(cache: dict[bytes, _T], html: str, compute: Callable[[str], _T]) -> _T:
    """Keyed by a digest of the text, not the text (bodies can be long, and a collection sees thousands)."""
    key = hashlib.blake2b(html.encode(), digest_size=16).digest()
    found = cache.get(key)
    if found is None:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        found = cache[key] = compute(html)
    return found


# A title is compared with every stored item sharing its deadline: its numbers are read once. A network's store
# step indexes every stored title of a batch's dates (tens of thousands in a national deployment).
@lru_cache(maxsize=65536)
def years(title: str) -> frozenset[str]:
    return frozenset(_YEAR.findall(title))


def same_edition(title_a: str, title_b: str) -> bool:
    """False when the titles name different years and none in common (two editions of one programme), or
    different other numbers (« lot 1 » and « lot 2 », « session 3 » and « session 4 »)."""
    a, b = years(title_a), years(title_b)
    if a and b and not a & b:
        return False
    na, nb = edition_numbers(title_a), edition_numbers(title_b)
    return not na or not nb or na == nb


@lru_cache(maxsize=65536)
def edition_numbers(title: str) -> frozenset[str]:
    """A title's numbers other than its years: two titles whose sets are both non-empty and differ are never
    :func:`same_edition` (what lets a store step compare an entry with a few stored titles, not all)."""
    return _numbers(title) - years(title)


def same_references(html_a: str, html_b: str) -> bool:
    """False when both texts carry reference numbers (« n°12-3 », « EuropeAid/164139 ») and share none: one
    funder's template filled in for two calls."""
    a, b = _references(html_a), _references(html_b)
    return not a or not b or bool(a & b)


_NUMBER = re.compile(r"(?<!\d)\d+(?!\d)")
_REFERENCE = re.compile(r"\bn[°o]\s?\d[\w/-]*|\b[A-Z][A-Za-z]+\s?/\s?\d{2,}[\w/-]*")


@lru_cache(maxsize=65536)
def _numbers(title: str) -> frozenset[str]:
    return frozenset(n.lstrip("0") or "0" for n in _NUMBER.findall(title))


def _references(html: str) -> frozenset[str]:
    return frozenset(re.sub(r"\s", "", r).rstrip("-/") for r in _REFERENCE.findall(text_lines(html)))
