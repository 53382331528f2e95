"""An issue's editorial, written in Markdown by the editors, made into email HTML and its plain-text twin.

Editors write paragraphs, **bold**, *italics*, ``[links](https://…)``, bare addresses (linked as typed), lists, and
single line breaks that stay line breaks. Nothing else is Markdown here (no headings, images, raw HTML or code):
what markdown-it-py does not enable stays literal text. The HTML is sanitised again with nh3 after rendering,
every ``href`` through :func:`core.text.safe_url`; the text twin is rendered from the same tokens, so both say
the same thing (a link's address follows its words in brackets).

Pure: no I/O.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from core.text import safe_url, strip_controls

MAX_EDITORIAL = 20_000  # characters: an editorial, not a web page

_MD = MarkdownIt("zero", {"breaks": True, "linkify": True, "html": False}).enable(
    ["emphasis", "link", "autolink", "newline", "linkify", "list", "escape"]
)
_WORDS = {"text", "softbreak", "hardbreak"}
_TAGS = {"p", "br", "a", "strong", "em", "ul", "ol", "li"}


@dataclass(frozen=True, slots=True)
class Editorial:
    html: Markup  # sanitised, ready for the email template
    text: str  # the plain-text twin, wrapped at ``width``
    first_paragraph: str  # plain words only: the preview line shown beside the subject


def _href(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return safe_url(value, mailto=True)
    return None


def to_html(tokens: list[Token]) -> Markup:
    raw = _MD.renderer.render(tokens, _MD.options, {})
    clean = nh3.clean(
        raw, tags=_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https", "mailto"},
        attribute_filter=_href, link_rel=None, strip_comments=True,
    )  # fmt: skip
    return Markup(clean.strip())  # noqa: S704 - nh3 has just sanitised it


def _inline(children: list[Token]) -> str:
    out: list[str] = []
    hrefs: list[tuple[str | None, int]] = []
    for t in children:
        if t.type == "text":
            out.append(t.content)
        elif t.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif t.type in ("strong_open", "strong_close"):
            out.append("*")
        elif t.type == "link_open":
            hrefs.append((safe_url(str(t.attrGet("href") or ""), mailto=True), len(out)))
        elif t.type == "link_close" and hrefs:
            href, start = hrefs.pop()
            words = "".join(out[start:])
            if href and href.removeprefix("mailto:") not in (words, words.rstrip("/")):
                out.append(f" ({href.removeprefix('mailto:')})")
    return "".join(out)


def _wrap(block: str, width: int, first: str = "", indent: str = "") -> str:
    lines = block.split("\n")  # an editor's line break stays a line break
    wrapped = [
        textwrap.fill(
            line, width=width, initial_indent=first if i == 0 else indent, subsequent_indent=indent,
            break_long_words=False, break_on_hyphens=False,
        ) or (first if i == 0 else indent).rstrip()
        for i, line in enumerate(lines)
    ]  # fmt: skip
    return "\n".join(wrapped)


def to_text(tokens: list[Token], width: int = 72) -> tuple[str, str]:
    """The text twin and the first paragraph's words (without link addresses, for the preview)."""
    blocks: list[tuple[str, int]] = []  # (text, the number of the list it is in, 0 outside lists)
    opened = 0
    first = ""
    lists: list[list[int]] = []  # per open list: [ordered?, next number]
    depth_prefix = ""
    for t in tokens:
        if t.type in ("bullet_list_open", "ordered_list_open"):
            opened += 1
            lists.append([t.type == "ordered_list_open", int(t.attrGet("start") or 1)])
        elif t.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif t.type == "list_item_open" and lists:
            ordered, number = lists[-1]
            depth_prefix = f"{number}. " if ordered else "- "
            lists[-1][1] = number + 1
        elif t.type == "inline":
            words = _inline(t.children or [])
            if not first and not lists:
                first = " ".join(
                    "".join(
                        c.content if c.type == "text" else " " for c in (t.children or []) if c.type in _WORDS
                    ).split()
                )
            if lists:
                pad = "  " * (len(lists) - 1)
                mark = depth_prefix or " " * 2
                blocks.append((_wrap(words, width, pad + mark, pad + " " * len(mark)), opened))
                depth_prefix = ""
            else:
                blocks.append((_wrap(words, width), 0))
    # a list's items on consecutive lines, paragraphs a blank line apart
    text = ""
    previous = 0
    for block, in_list in blocks:
        text += ("\n" if in_list and in_list == previous else "\n\n") + block if text else block
        previous = in_list
    return text, first


def render(source: str, width: int = 72) -> Editorial:
    """The editorial ``source`` (Markdown) as email HTML, a text twin and its first paragraph in plain words."""
    tokens = _MD.parse(strip_controls(source)[:MAX_EDITORIAL])
    text, first = to_text(tokens, width)
    return Editorial(to_html(tokens), text, first)
