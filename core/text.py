"""Text from outside, made harmless in one place: control characters removed, links kept only when they are web
(or email) links.

Every collected field (watch), every form field (admin, public pages) and every imported CSV cell goes through
:func:`strip_controls`; every URL put in an ``href``/``src`` goes through :func:`safe_url`, at collection and again
when a page is rendered.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# C0 controls but tab and newline (a CR becomes a newline first), DEL and the C1 controls (NEL U+0085 among them),
# lone surrogates (a str holds code points: any surrogate in one is unpaired), the noncharacters U+FFFE and U+FFFF,
# and the bidi embeddings, overrides and isolates that make a title read differently from what it says.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")

WEB_SCHEMES = frozenset({"http", "https"})


def strip_controls(text: str) -> str:
    """``text`` without the characters above; CRLF and lone CR become LF. Cheap when there is nothing to do."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text)


def safe_url(url: object, *, mailto: bool = False, relative: bool = False) -> str | None:
    """``url`` if it is an absolute http(s) link (or a ``mailto:`` one when ``mailto``, or a path of this site
    starting with one ``/`` when ``relative``), else None.

    An allow-list, not a deny-list: ``javascript:``, ``data:``, ``vbscript:``, ``file:`` and anything unknown are
    refused whatever their case and whatever spaces, controls or entities surround them (an entity such as
    ``&#x09;`` left in a stored URL stays literal text in an attribute, so it can only make a link unknown).
    """
    if not isinstance(url, str):
        return None
    # Browsers drop tabs and newlines anywhere in a URL ("java\tscript:" is "javascript:"): so do we.
    value = strip_controls(url).replace("\t", "").replace("\n", "").strip()
    if not value:
        return None
    if relative and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    head = value.split(":", 1)[0].lower() if ":" in value else ""
    if head in WEB_SCHEMES:
        try:
            parts = urlsplit(value)
        except ValueError:  # an unbalanced IPv6 bracket
            return None
        return value if parts.scheme.lower() in WEB_SCHEMES and parts.hostname else None
    if mailto and head == "mailto" and value[:7].lower() == "mailto:" and "@" in value:
        return value
    return None


_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def _slow_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Latin-1 and Latin Extended-A folded once: French text then folds with one C-level translate (NFKD per call costs
# ten times more), the rest of Unicode through NFKD.
_LATIN = str.maketrans({chr(c): _slow_fold(chr(c)) for c in range(0xC0, 0x180) if _slow_fold(chr(c)) != chr(c)})


def fold(text: str) -> str:
    """``text`` as search compares it, case and accents ignored: « Éducation », « ÉDUCATION » and « education »
    are one word, « Hélène » is « helene », « cœur » is « coeur »."""
    return text.casefold().translate(_FOLDED)


class _FoldTable(dict[int, str]):
    """Each character's fold, made the first time ``str.translate`` meets it (NFKD decomposes character by
    character, and the combining marks it leaves are dropped wherever they stand): a text with « n° » or « » »
    no longer goes through NFKD whole."""

    def __missing__(self, code: int) -> str:
        folded = _slow_fold(chr(code))
        if len(self) < 20_000:  # a hostile text of every character in Unicode does not grow it without end
            self[code] = folded
        return folded


_FOLDED = _FoldTable({code: str(value) for code, value in _LATIN.items()})


def unicode_address(address: str) -> str:
    """An address as its owner writes it: an internationalised domain in Unicode (``xn--cole-9oa.fr`` is shown
    ``école.fr``); stored addresses keep the ASCII form mail servers use. Unchanged when it does not decode."""
    local, at, domain = address.rpartition("@")
    if not at or "xn--" not in domain:
        return address
    try:
        return f"{local}@{domain.encode('ascii').decode('idna')}"
    except UnicodeError:
        return address


def ascii_fragment(fragment: str) -> str | None:
    """A searched piece of an address with its non-ASCII domain labels in their stored (ASCII) form, so that
    « @école.fr » finds ``…@xn--cole-9oa.fr``; None when nothing changes or a label cannot be encoded."""
    if fragment.isascii():
        return None
    local, at, domain = fragment.rpartition("@")
    try:
        labels = [label if label.isascii() else label.encode("idna").decode("ascii") for label in domain.split(".")]
    except UnicodeError:
        return None
    return f"{local}{at}{'.'.join(labels)}"


class _AccentTable(dict[int, str]):
    """``str.translate`` table filled on first sight of each character: its NFKD decomposition without the
    combining marks. Per character, this is what decomposing the whole string and dropping the marks gives, at a
    C loop's speed instead of a Python generator's (text is mostly ASCII, which the fast path skips entirely)."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        self[code] = value = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        return value


_ACCENTS = _AccentTable()


def strip_accents(text: str) -> str:
    """``text`` without its accents (« Sénégal » → « Senegal »), case and everything else kept."""
    if text.isascii():
        return text
    return text.translate(_ACCENTS)
