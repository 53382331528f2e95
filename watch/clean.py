"""Item text on the way in: HTML sanitised once with nh3, links made absolute, plain text for summaries,
and canonical URLs for identity.

nh3 and selectolax are imported by the functions that use them: the collecting process imports this module for
:func:`canonical_url` and :func:`text_lines` and reads HTML less often than the parse workers.
"""

from __future__ import annotations

import hashlib
import html
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from core.text import safe_url, strip_controls

# Query parameters that say where a click came from, not what the page is.
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_")
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "xtor"})

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "dl", "dt", "em", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "li", "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr",
    "u", "ul", "img", "figure", "figcaption",
}  # fmt: skip
_ALLOWED_ATTRS = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "abbr": {"title"}, "td": {"colspan"}}
_SPACES = re.compile(r"\s+")


def sanitise(fragment: str, base_url: str | None = None) -> str:
    """Safe HTML: scripts, styles, event handlers, control characters and unknown tags removed; links made absolute
    when a base is known, and kept only when they are then http(s) (or mailto for ``<a>``)."""
    if not fragment:
        return ""

    def absolute(element: str, attribute: str, value: str) -> str | None:
        if attribute in {"href", "src"}:
            value = strip_controls(value).replace("\t", "").replace("\n", "").strip()
            return safe_url(urljoin(base_url, value) if base_url else value, mailto=element == "a")
        return value

    import nh3

    # Controls are removed after parsing too: an entity such as ``&#x1b;`` only becomes one there.
    clean = nh3.clean(
        strip_controls(fragment),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRS,
        attribute_filter=absolute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return strip_controls(clean).strip()


def plain_text(fragment: str, limit: int = 600) -> str:
    """Readable text of an HTML fragment, whitespace collapsed, cut at a word under ``limit`` characters."""
    if not fragment:
        return ""
    if "<" in fragment:
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(f"<div>{fragment}</div>")
        for node in tree.css("script, style"):
            node.decompose()
        body = tree.body
        text = body.text(separator=" ") if body is not None else ""
    else:
        text = html.unescape(fragment)
    text = _SPACES.sub(" ", strip_controls(text)).strip()  # after decoding: ``&#x1b;`` is a control only then
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def text_lines(fragment: str) -> str:
    """The whole readable text of an HTML fragment, one line per block or line break (what a reader sees, for
    matching over all of it: where a text ends, such as its footer, matters)."""
    if not fragment:
        return ""
    if "<" not in fragment:
        text = html.unescape(fragment)
    else:
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(f"<div>{fragment}</div>")
        for node in tree.css("script, style"):
            node.decompose()
        body = tree.body
        text = body.text(separator="\n") if body is not None else ""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def without_tracking(url: str | None) -> str | None:
    """The link as shown to readers: the same address without its tracking parameters (utm_*, fbclid, gclid,
    mc_cid, xtor…); everything else (case, order, fragment) as written."""
    if not url or "?" not in url:
        return url
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not _tracking(k)]
    if len(kept) == len(pairs):
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


def canonical_url(url: str | None) -> str | None:
    """The URL that identifies a page: scheme and host lower-cased, default port, fragment and tracking parameters
    dropped, query sorted, ``http`` folded into ``https``, trailing slash removed."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return url.strip() or None
    host = parts.hostname.lower().removeprefix("www.")
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(k)]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", netloc, path, urlencode(sorted(query)), ""))


def content_hash(*parts: object) -> str:
    """A stable hash of what an item says, to tell a real change from a re-publication."""
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()
