"""A page's repeated item blocks, found without selectors: pure functions over a parsed page.

    every element's children | group siblings of the same shape | keep groups whose members hold a titled link
    | score (blocks, text per block, distinct titles, links into the site, dates) | derive CSS selectors

The result is the options of an ordinary ``html`` source (``item``, ``title``, ``link``, ``date``, ``summary``,
``deadline``): the editor can adjust them in the source form, and the collector reads them like any other.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from watch.dates import find_deadline, normalise

MIN_BLOCKS = 3
SPREAD = 3  # a list cut in parts: at most this many times the group that was found
RUNNER_UP = 0.4  # share of the best list's score another list needs to be proposed too
MAX_CANDIDATES = 40  # groups scored in detail, at most (a page of 20,000 links has thousands of small groups)
SKIP = {"script", "style", "noscript", "template", "svg", "head", "select", "option", "button", "iframe"}
LAYOUT = {"nav", "header", "footer", "aside", "menu"}
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_CLASS = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_STATE = re.compile(r"(?:^|[-_])(?:active|current|selected|first|last|odd|even|open|hidden|new|sticky|featured)$")
_LAYOUT_WORDS = r"(?:footer|header|menu|nav|navbar|navigation|sidebar|breadcrumbs?|pagination|pager|widget[-_][a-z_-]+)"
# a class or id naming a page's furniture ("site-footer", "widget_recent_entries", "#secondary"), not
# "content-with-sidebar" nor Blogger's "Blog widget"
_LAYOUT_NAMES = re.compile(
    rf"(?:^|\s)(?:(?:site|main|page|global|top|bottom|left|right|mobile|primary)[-_])?{_LAYOUT_WORDS}"
    r"(?:[-_][a-z]+)*(?=\s|$)|(?:^|\s)secondary(?=\s|$)"
)
_NUMBERED = re.compile(r"\d{3,}|[-_]\d+$")
_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_MONTH = (
    r"(?:janv|f[ée]vr|mars|avr|mai|juin|juil|ao[uû]t|sept|oct|nov|d[ée]c|jan|feb|mar|apr|may|jun|jul|aug|sep|dec)"
    r"[a-zéû]*\.?"
)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:er)?\s+{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\s+{_MONTH}|{_MONTH}\s+\d{{4}})",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Blocks:
    """One detected list: its selectors, its score and why."""

    options: dict[str, str]
    count: int
    score: float
    titles: list[str] = field(default_factory=list)
    identical: bool = False  # every block has the same title: a template repeated, not a list
    nodes: list[LexborNode] = field(default_factory=list, repr=False)


def tag_of(node: LexborNode) -> str:
    return (node.tag or "").lower()


def classes(node: LexborNode) -> list[str]:
    """Stable class names: no digits (``post-123``), no state (``active``), nothing a selector would need to
    escape."""
    raw = (node.attributes.get("class") or "").split()
    return sorted({c for c in raw if _CLASS.match(c) and not _NUMBERED.search(c) and not _STATE.search(c)})


def describe(node: LexborNode) -> str:
    """``tag.class1.class2``: the shape of a node, as a selector."""
    return tag_of(node) + "".join(f".{c}" for c in classes(node)[:3])


def _children(node: LexborNode) -> list[LexborNode]:
    return [c for c in node.iter(include_text=False) if c.tag and not c.tag.startswith("-") and tag_of(c) not in SKIP]


def main_link(block: LexborNode) -> LexborNode | None:
    """The block's main link: the one in a heading, else the one with the longest text."""
    if tag_of(block) == "a" and block.attributes.get("href"):
        return block
    best, best_len = None, 0
    for a in block.css("a[href]"):
        href = a.attributes.get("href") or ""
        if href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        text = a.text(deep=True, separator=" ").strip()
        weight = len(text) + (1000 if a.parent is not None and tag_of(a.parent) in HEADINGS else 0)
        if weight > best_len:
            best, best_len = a, weight
    return best


def _text(node: LexborNode) -> str:
    return " ".join(node.text(deep=True, separator=" ").split())


@dataclass(slots=True)
class _Group:
    parent: LexborNode
    members: list[LexborNode]
    shape: str  # the members' common selector: their tag and the classes they all share


def _shaped(tag: str, members: list[LexborNode]) -> _Group | None:
    if len(members) < 2:
        return None
    common = set(classes(members[0])).intersection(*(classes(m) for m in members[1:]))
    parent = members[0].parent
    assert parent is not None
    return _Group(parent, members, tag + "".join(f".{c}" for c in sorted(common)[:3]))


def _sibling_groups(kids: list[LexborNode]) -> list[_Group]:
    """Children of one node by tag; within a tag, also the members sharing a class (a list whose rows alternate
    with headings of the same tag, a list beside an advert)."""
    by_tag: dict[str, list[LexborNode]] = defaultdict(list)
    for kid in kids:
        by_tag[tag_of(kid)].append(kid)
    out: list[_Group] = []
    for tag, members in by_tag.items():
        whole = _shaped(tag, members)
        if whole is None:
            continue
        counts: dict[str, list[LexborNode]] = defaultdict(list)
        for m in members:
            for c in classes(m):
                counts[c].append(m)
        subsets = sorted((v for v in counts.values() if MIN_BLOCKS <= len(v) < len(members)), key=len, reverse=True)
        seen: set[tuple[int, ...]] = set()
        for subset in subsets[:4]:
            key = tuple(m.mem_id for m in subset)
            group = _shaped(tag, subset) if key not in seen else None
            seen.add(key)
            if group is not None and group.shape != whole.shape:
                out.append(group)
        # rows of different kinds with no class in common (results among adverts): the whole is not a list
        if whole.shape != tag or not subsets or len(subsets[0]) < len(members) / 2:
            out.append(whole)
    return out


def _layout(node: LexborNode) -> bool:
    if tag_of(node) in LAYOUT:
        return True
    names = f"{node.attributes.get('id') or ''} {node.attributes.get('class') or ''}".lower()
    return bool(_LAYOUT_NAMES.search(names))


def _groups(tree: LexborHTMLParser) -> list[_Group]:
    """Siblings of the same shape, three or more under one parent, outside menus, headers, footers and
    sidebars."""
    body = tree.body or tree.root
    out: list[_Group] = []
    if body is None:
        return out
    stack: list[tuple[LexborNode, bool]] = [(body, False)]
    while stack:
        node, in_layout = stack.pop()
        kids = _children(node)
        for kid in kids:
            stack.append((kid, in_layout or _layout(kid)))
        if not in_layout and len(kids) >= 2:
            out.extend(_sibling_groups(kids))
    return _merged(out)


def _merged(groups: list[_Group]) -> list[_Group]:
    """Groups of the same shape under sibling parents of the same shape are one list cut in parts (posts grouped
    by month in unlabelled boxes)."""
    by_key: dict[tuple[int, str, str], list[_Group]] = defaultdict(list)
    for g in groups:
        gp = g.parent.parent
        by_key[(gp.mem_id if gp is not None else 0, describe(g.parent), g.shape)].append(g)
    out = list(groups)
    for parts in by_key.values():
        if len(parts) > 1:
            members = [m for g in parts for m in g.members]
            out.append(_Group(parts[0].parent, members, parts[0].shape))
    return [g for g in out if len(g.members) >= MIN_BLOCKS]


def _prefilter(group: _Group) -> float:
    """A cheap first score: how many members hold a link with words in it."""
    linked = 0
    for m in group.members[:60]:
        a = main_link(m)
        if a is not None and len(a.text(deep=True).strip()) >= 4:
            linked += 1
    share = linked / min(len(group.members), 60)
    return share * math.sqrt(len(group.members)) if share >= 0.6 else 0.0


def _rel_candidates(block: LexborNode, target: LexborNode) -> list[str]:
    """Selectors that reach ``target`` from ``block``: its shape, its tag, under its parent's shape."""
    if target.mem_id == block.mem_id:  # selectolax's css() includes the node itself (== compares the HTML)
        return []
    out = [describe(target)]
    parent = target.parent
    if parent is not None and parent.mem_id != block.mem_id:
        out += [f"{describe(parent)} {describe(target)}", f"{tag_of(parent)} {tag_of(target)}"]
    return list(dict.fromkeys([*out, tag_of(target)]))  # the bare tag last: the first of its kind may be another


def _first(block: LexborNode, selector: str) -> LexborNode | None:
    try:
        return block.css_first(selector)
    except Exception:  # selectolax's own error type on a selector it cannot read
        return None


def _agreeing(blocks: list[LexborNode], candidates: list[str], want: list[str] | None = None) -> str | None:
    """The first candidate found in at least 80 % of the blocks (and, with ``want``, giving each block's wanted
    text there)."""
    for sel in candidates:
        found = [_first(b, sel) for b in blocks]
        if want is None:
            hits = sum(1 for n in found if n is not None and _text(n))
        else:
            hits = sum(1 for n, w in zip(found, want, strict=True) if n is not None and w and _text(n) == w)
        if hits >= 0.8 * len(blocks):
            return sel
    return None


def _title(blocks: list[LexborNode]) -> tuple[str | None, str | None]:
    """(title selector, link selector); None means the parser's default (the first link of the block)."""
    sample = blocks[:12]
    cands: list[str] = []
    for b in sample[:4]:
        for h in HEADINGS:
            node = b.css_first(h)
            if node is not None and _text(node):
                cands += [describe(node), h]
                break
        a = main_link(b)
        if a is not None and a.mem_id != b.mem_id:
            cands += _rel_candidates(b, a)
    # each block's title: the text of its main link (a heading's, else the longest)
    want = [_text(a) if (a := main_link(b)) is not None else "" for b in sample]
    title = _agreeing(sample, list(dict.fromkeys(cands)), want) or _agreeing(sample, list(dict.fromkeys(cands)))
    if title is None:
        return None, None
    node = _first(sample[0], title)
    if node is not None and tag_of(node) == "a":
        return title, title
    if _agreeing(sample, [f"{title} a[href]"]) is not None:
        return title, f"{title} a[href]"
    return title, None


def _date(blocks: list[LexborNode], title: str | None) -> str | None:
    sample = blocks[:12]
    cands: list[str] = []
    for b in sample[:4]:
        for node in b.css("time, .date, [class*=date]"):
            cands += _rel_candidates(b, node)
        for node in b.css("*"):
            own = node.text(deep=False).strip()
            if own and len(own) < 60 and _DATE.search(own):
                cands += _rel_candidates(b, node)
    cands = [c for c in dict.fromkeys(cands) if c != title and c not in {"a", "div", "span", "p", "li"}]
    for sel in cands:
        texts = [_text(n) for n in (_first(b, sel) for b in sample) if n is not None]
        dated = [t for t in texts if len(t) < 80 and _DATE.search(t)]
        if len(dated) >= 0.8 * len(sample):
            return sel
    return None


def _summary(blocks: list[LexborNode], used: set[str]) -> str | None:
    sample = blocks[:12]
    cands: list[str] = []
    for b in sample[:4]:
        for node in b.css("p, div, span"):
            t = _text(node)
            if len(t) >= 40 and not node.css_first("a[href] ~ a[href]"):
                cands += _rel_candidates(b, node)
    best, best_len = None, 0.0
    for sel in dict.fromkeys(cands):
        if sel in used or sel in {"div", "span"}:
            continue
        texts = [_text(n) for n in (_first(b, sel) for b in sample) if n is not None]
        if len(texts) < 0.6 * len(sample):
            continue
        mean = sum(len(t) for t in texts) / len(sample)
        if mean > best_len and mean <= 1500:  # a teaser, not the whole post
            best, best_len = sel, mean
    return best if best_len >= 40 else None


def item_selector(tree: LexborHTMLParser, group: _Group) -> tuple[str, list[LexborNode]] | None:
    """A selector over the whole page and the blocks it yields: the members' shape under their parent's, climbing to
    an ``id`` or up to four ancestors until nothing else in the page matches. When no climb isolates the group, the
    same shape under the same parent shape elsewhere is the same list cut in parts (cards in two rows of boxes), at
    most :data:`SPREAD` times the group."""
    want = len(group.members)
    shape = group.shape
    node: LexborNode | None = group.parent
    chain: list[str] = []
    first: tuple[str, list[LexborNode]] | None = None
    for _ in range(5):
        if node is None or tag_of(node) in {"html", ""}:
            break
        ident = node.attributes.get("id")
        part = f"#{ident}" if ident and _ID.match(ident) and not _NUMBERED.search(ident) else describe(node)
        chain.insert(0, part)
        sel = " > ".join([*chain, shape])
        try:
            found = tree.css(sel)
        except Exception:  # selectolax's own error type on a selector it cannot read
            return None
        if len(found) == want:
            return sel, found
        first = first or (sel, found)
        if part.startswith("#"):
            break
        node = node.parent
    if first is not None and want < len(first[1]) <= SPREAD * want and describe(group.parent) != tag_of(group.parent):
        return first
    return None


def detect(tree: LexborHTMLParser, page_url: str, *, reference: datetime, limit: int = 2) -> list[Blocks]:
    """The page's lists of items, best first (at most ``limit``)."""
    groups = sorted(_groups(tree), key=_prefilter, reverse=True)[:MAX_CANDIDATES]
    host = (urlsplit(page_url).hostname or "") if page_url else ""
    found: list[Blocks] = []
    seen: set[str] = set()
    for group in groups:
        if _prefilter(group) == 0:
            break
        chosen = item_selector(tree, group)
        if chosen is None or chosen[0] in seen:
            continue
        item, blocks = chosen
        seen.add(item)
        title, link = _title(blocks)
        if title is None:
            continue
        titles = [_text(n) for n in (_first(b, title) for b in blocks) if n is not None]
        if not titles:
            continue
        opts = {"item": item, "title": title}
        if link and link != "a[href]":
            opts["link"] = link
        date = _date(blocks, title)
        if date:
            text = " ".join(_text(n) for n in (_first(b, date) for b in blocks[:3]) if n is not None)
            if find_deadline(normalise(text), reference=reference) is not None:
                opts["deadline"] = date
            else:
                opts["date"] = date
        summary = _summary(blocks, {title, date or "", link or ""})
        if summary:
            opts["summary"] = summary
        found.append(_score(opts, blocks, titles, page_url, host))
    _boxes(found)
    found.sort(key=lambda b: b.score, reverse=True)
    # a runner-up far behind is the page's furniture (menus, link boxes), not a second list worth proposing
    return [b for b in found[:limit] if b.score >= RUNNER_UP * found[0].score]


def _boxes(found: list[Blocks]) -> None:
    """A list whose blocks each hold three or more blocks of another credible list is a list of boxes (posts grouped
    by month): the finer list is the items, the boxes lose half their score."""
    for outer in found:
        ids = {n.mem_id for n in outer.nodes}
        for inner in found:
            if inner is outer or len(inner.nodes) < 3 * len(outer.nodes) or inner.score < 0.5 * outer.score:
                continue
            inside = sum(1 for n in inner.nodes if _within(n, ids))
            if inside >= 0.8 * len(inner.nodes):
                outer.score = round(outer.score * 0.5, 4)
                break


def _within(node: LexborNode, ids: set[int], depth: int = 6) -> bool:
    cur = node.parent
    for _ in range(depth):
        if cur is None:
            return False
        if cur.mem_id in ids:
            return True
        cur = cur.parent
    return False


def _score(opts: dict[str, str], blocks: list[LexborNode], titles: list[str], page_url: str, host: str) -> Blocks:
    n = len(blocks)
    distinct = len(set(titles)) / len(titles)
    title_len = sum(min(len(t), 90) for t in titles) / len(titles)
    text_len = sum(min(len(_text(b)), 400) for b in blocks[:40]) / min(n, 40)
    inside = 0
    for b in blocks[:40]:
        a = main_link(b)
        href = (a.attributes.get("href") or "") if a is not None else ""
        target = urlsplit(urljoin(page_url, href)).hostname if page_url and "://" in page_url else None
        inside += 1 if not target or target == host or target.endswith("." + host) else 0
    inside_share = inside / min(n, 40)
    words = sum(len(t.split()) for t in titles) / len(titles)
    score = (
        math.log2(1 + n)
        * (min(title_len, 60) / 60) ** 1.5
        * (min(text_len, 300) / 300) ** 0.5
        * min(words, 4)
        / 4
        * distinct**2
        * (0.6 + 0.4 * inside_share)
        * (1.25 if "date" in opts or "deadline" in opts else 1.0)
        * (1.1 if "summary" in opts else 1.0)
    )
    return Blocks(opts, n, round(score, 4), titles[:5], identical=len(set(titles)) == 1, nodes=blocks)


__all__ = ["Blocks", "detect", "item_selector", "main_link"]
