"""What two sightings of one call have in common when their titles differ: their text and the links it names.

Relays rewrite the title of a call (« AAP Initiatives locales 2027 » / « Appel à projets : les initiatives
locales de solidarité, édition 2027 ») but keep its text, or quote most of it; and they usually link to the
official page. Texts are compared as sets of word 3-shingles (accents, case and punctuation ignored), by their
Jaccard similarity and by how much of the shorter one the other contains (a relay quoting half of the official
text). Years tell editions apart: « 2026 » and « 2027 » in two titles are two calls, whatever their texts share.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from html import unescape

from watch.clean import canonical_url, text_lines
from watch.tags import fold

SHINGLE = 3  # words per shingle
MIN_SHINGLES = 20  # shorter texts say too little to be compared
SAME_TEXT_JACCARD = 0.35  # measured: a relay of the same call 0.42; two calls of one funder's template 0.23
SAME_TEXT_CONTAINED = 0.5  # measured: 0.60 and 0.38 for the same pairs
_WORD = re.compile(r"\w+")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


@lru_cache(maxsize=8192)
def shingles(html: str) -> frozenset[int]:
    """The text's word 3-shingles, each as a 32-bit hash (stable across processes)."""
    words = _WORD.findall(fold(text_lines(html)))
    return frozenset(zlib.crc32(" ".join(words[i : i + SHINGLE]).encode()) for i in range(len(words) - SHINGLE + 1))


def overlap(a: frozenset[int], b: frozenset[int]) -> tuple[float, float]:
    """(Jaccard similarity, share of the shorter text found in the other); (0, 0) when either text is too short
    to tell."""
    if min(len(a), len(b)) < MIN_SHINGLES:
        return 0.0, 0.0
    common = len(a & b)
    return common / len(a | b), common / min(len(a), len(b))


def is_same_text(a: frozenset[int], b: frozenset[int]) -> bool:
    jaccard, contained = overlap(a, b)
    return jaccard >= SAME_TEXT_JACCARD or contained >= SAME_TEXT_CONTAINED


_URL = re.compile(r"https?://[^\s<>\"'»)]+")


@lru_cache(maxsize=8192)
def links(html: str) -> frozenset[str]:
    """The canonical URLs a text names: its links' targets and the addresses written out in it (read from the
    sanitised HTML, where every ``href`` is absolute and quoted)."""
    found = (canonical_url(unescape(u).rstrip(".,;:")) for u in _URL.findall(html))
    return frozenset(u for u in found if u)


def years(title: str) -> frozenset[str]:
    return frozenset(_YEAR.findall(title))


def same_edition(title_a: str, title_b: str) -> bool:
    """False when the titles name different years and none in common (two editions of one programme)."""
    a, b = years(title_a), years(title_b)
    return not a or not b or bool(a & b)
