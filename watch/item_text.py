"""The whole text of an item as the date reader needs it: one line per paragraph, list item or line break, table
cells joined by « | », nothing cut (real call pages put their calendar at the bottom)."""

from __future__ import annotations

import html
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from core.model import Item
from watch.entry import decode

_BREAK = re.compile(
    r"<br\s*/?>|</(?:p|li|h[1-6]|tr|div|dd|dt|blockquote|pre|table|ul|ol|figcaption|section|article)\s*>", re.I
)
_CELL = re.compile(r"</t[dh]\s*>", re.I)
_TAG = re.compile(r"<[^>]*>")
_DROP = "script, style, nav, header, footer, noscript, template, form"


def html_text(fragment: str) -> str:
    """Text of an HTML fragment with its line structure kept."""
    if "<" not in fragment:
        return html.unescape(fragment)
    text = _CELL.sub(" | ", _BREAK.sub("\n", fragment))
    return html.unescape(_TAG.sub("", text))


def item_text(item: Item) -> str:
    """Title, then the whole body (the summary when there is no body)."""
    return f"{item.title}\n{html_text(item.body_html) if item.body_html else item.summary}"


def page_text(body: bytes, content_type: str | None, selector: str | None = None) -> str:
    """The readable text of a whole page (an item's detail page): ``selector``'s node, else ``main``, ``article``
    or the body, without scripts, menus, headers and footers."""
    tree = LexborHTMLParser(decode(body, content_type))
    for junk in tree.css(_DROP):
        junk.decompose()
    found = (tree.css_first(selector) if selector else None) or tree.css_first("main") or tree.css_first("article")
    node: LexborNode | None = found or tree.body
    return html_text(node.html or "") if node is not None else ""
