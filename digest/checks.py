"""Compatibility rules for an email's HTML, as pure checks. Delivery's pre-send checks reuse :func:`check_html`.

The rules: under Gmail's clipping limit, no flex or grid layout, every image has alt text, every link is
absolute (or a placeholder delivery fills in, or an anchor of the email itself: the table of contents), and
nothing points at this machine (localhost links are a configuration mistake: ``[network] base_url`` left at its
default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from core.message import Placeholder

GMAIL_CLIP_BYTES = 102 * 1024
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})  # noqa: S104 (a list of hosts, not a bind)
_PLACEHOLDERS = frozenset(str(p) for p in Placeholder)
_LAYOUT = re.compile(r"display\s*:\s*(?:inline-)?(?:flex|grid)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Problem:
    rule: str  # size | layout | alt | link | localhost
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


def _link_problem(url: str, *, allow_local: bool, own: str | None = None) -> Problem | None:
    url = url.strip()
    if url in _PLACEHOLDERS or url.startswith("mailto:") or (own and url.startswith(own)):
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return Problem("link", f"not an absolute http(s) link: {url[:120]!r}")
    host = (parts.hostname or "").lower()
    if not allow_local and (host in LOCAL_HOSTS or host.endswith(".localhost")):
        return Problem("localhost", f"link to this machine: {url[:120]!r}")
    return None


def check_html(
    html: str, *, max_bytes: int = GMAIL_CLIP_BYTES, allow_local: bool = False, own: str | None = None
) -> list[Problem]:
    """Every rule the HTML breaks, one problem per offending element; an empty list means it passes. Links
    starting with ``own`` are Relais's counted links (:mod:`digest.clicks`), made from ``[network] base_url`` like
    the personal links the placeholders stand for: checked as those are, not as the items' links."""
    problems: list[Problem] = []
    size = len(html.encode("utf-8"))
    if size > max_bytes:
        problems.append(Problem("size", f"{size} bytes, over the {max_bytes}-byte limit (Gmail clips it)"))
    if m := _LAYOUT.search(html):
        problems.append(Problem("layout", f"{m.group(0)!r}: flex and grid are not supported by Outlook"))
    tree = LexborHTMLParser(html)
    for img in tree.css("img"):
        src = img.attributes.get("src") or ""
        if not (img.attributes.get("alt") or "").strip():
            problems.append(Problem("alt", f"image without alt text: {src[:120]!r}"))
        if p := _link_problem(src, allow_local=allow_local, own=own):
            problems.append(p)
    targets = {n.attributes.get(k) for k in ("id", "name") for n in tree.css(f"[{k}]")}
    for a in tree.css("a[href]"):
        href = (a.attributes.get("href") or "").strip()
        if href.startswith("#"):
            if href[1:] not in targets:
                problems.append(Problem("link", f"anchor to nothing in the email: {href[:120]!r}"))
        elif p := _link_problem(href, allow_local=allow_local, own=own):
            problems.append(p)
    return problems


def check_text(text: str, *, allow_local: bool = False, own: str | None = None) -> list[Problem]:
    """The text twin: links written out must be absolute and public too."""
    problems = []
    for url in re.findall(r"https?://\S+", text):
        if p := _link_problem(url, allow_local=allow_local, own=own):
            problems.append(p)
    return problems
