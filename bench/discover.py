"""Benchmark of discovery on real pages: is the best proposal right with no edit, and are its items the page's?

    python -m bench discover

Reads ``../shared/realworld/discovery/`` (beside the project's folder; absent: says so and stops). The folder is
served on 127.0.0.1 and each page fetched through the watch's own fetcher (``trusted_networks`` 127.0.0.0/8);
then, timed from the fetched body, the page's proposals are made and previewed with the collector's parser
(:func:`watch.discovery.propose_page`). The feed and calendar addresses the pages declare belong to real sites:
they are not fetched (nothing leaves the machine), so a declared feed counts as a proposal without its preview.

Per page, against ``answers.json``:

- *best right*: on a page declaring its feed (``main_feed``) the first proposal is that feed (on a page linking a
  calendar, that feed or the calendar); on a list page without a feed, the first proposal is an ``html`` source
  whose items number ``expected_items`` ±20 % and start with the first expected title;
- *recall* and *precision* of the best ``html`` proposal's items on every list page: an item is right when its
  link is one of the links of a block the key's ``item_selector`` yields (each block counted once), when the key
  gives a selector; else (``~``) by count, the items counted right only when the
  first expected title is among the first three;
- *ms*: time to propose after the fetch.

``--smoke``: the small corpus of ``bench/smoke_corpus/discovery`` instead (three of the demo's pages).
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

ROOT = Path(__file__).resolve().parents[1]
SMOKE = os.environ.get("RELAIS_BENCH_SMOKE") == "1"
CORPUS = ROOT / "bench" / "smoke_corpus" / "discovery" if SMOKE else ROOT.parent / "shared" / "realworld" / "discovery"
REFERENCE = datetime(2026, 12, 1, tzinfo=UTC)
TARGETS = {"list": 0.80, "declared": 0.95, "precision": 0.95, "seconds": 1.0}


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def expected_blocks(body: bytes, page_url: str, selector: str) -> list[set[str]]:
    """The links of each block the key's selector yields (an item is that block when its link is one of them)."""
    from selectolax.lexbor import LexborHTMLParser

    from watch.clean import canonical_url
    from watch.entry import decode
    from watch.parse_html import base_url

    tree = LexborHTMLParser(decode(body, None))
    base = base_url(tree, page_url)
    out = []
    for node in tree.css(selector):
        links = [node] if node.tag == "a" else node.css("a[href]")
        hrefs = {x.attributes.get("href") or "" for x in links}
        out.append({canonical_url(urljoin(base, h)) or h for h in hrefs if h})
    return out


def measure(entry: dict[str, Any], body: bytes, fetched: Any) -> dict[str, Any]:
    from watch.clean import canonical_url
    from watch.discover import Way
    from watch.discovery import propose_page

    page_url = entry.get("page_url") or fetched.url
    fetched.url = page_url  # the page's own address: its relative links resolve as on the site
    started = time.perf_counter()
    found, _ = asyncio.run(propose_page(fetched, page_url, reference=REFERENCE))
    seconds = time.perf_counter() - started
    best = found.proposals[0] if found.proposals else None
    html = next((p for p in found.proposals if p.way in {Way.BLOCKS, Way.STRUCTURED} and p.items), None)
    shown = f"{best.way}:{best.source.options.get('item') or best.source.url}" if best else "-"
    row: dict[str, Any] = {
        "file": entry["file"].split("/")[-1],
        "kind": entry["kind"],
        "seconds": seconds,
        "best": shown,
    }
    main_feed = entry.get("main_feed")
    calendars = entry.get("calendar_urls") or []
    row["main_feed"] = main_feed
    if main_feed:
        ok_urls = {main_feed, *(calendars if entry["kind"] == "links-calendar" else [])}
        row["right"] = best is not None and best.source.url in ok_urls
    expected = entry.get("expected_items")
    if entry["kind"] == "list" and expected:
        items = html.items if html is not None else []
        n = len(html.items) if html is not None else 0
        if html is not None and len(html.items) >= 20:  # the preview keeps 20: count on the whole page
            n = _count(html, fetched)
            items = _all_items(html, fetched)
        titles = [_norm(i.title) for i in items[:3]]
        first = _norm(entry["example_titles"][0])[:40]
        starts = any(first in t or t[:40] in first for t in titles if t)
        row["blocks_right"] = abs(n - expected) <= 0.2 * expected and starts
        if not main_feed:
            row["right"] = row["blocks_right"]
        row["items"], row["expected"] = n, expected
        if entry.get("item_selector") and items:
            blocks = expected_blocks(body, page_url, entry["item_selector"])
            matched: set[int] = set()
            for item in items:
                url = canonical_url(item.url) or item.url if item.url else None
                i = next((k for k, links in enumerate(blocks) if k not in matched and url in links), None)
                if i is not None:
                    matched.add(i)
            row["recall"] = len(matched) / len(blocks) if blocks else 0.0
            row["precision"] = len(matched) / len(items) if items else 0.0
            row["approx"] = False
        else:
            good = min(n, expected) if starts else 0
            row["recall"] = good / expected
            row["precision"] = good / n if n else 0.0
            row["approx"] = True
    return row


def _all_items(proposal: Any, fetched: Any) -> list[Any]:
    from watch.parse import parse_body

    return [e.item for e in parse_body(proposal.source, fetched.body, fetched.url, fetched.content_type,
                                       reference=REFERENCE)]  # fmt: skip


def _count(proposal: Any, fetched: Any) -> int:
    return len(_all_items(proposal, fetched))


def main() -> None:
    if not CORPUS.is_dir():
        print(f"bench discover: skipped ({CORPUS} is absent)")
        return
    from core.settings import WatchSettings
    from watch.fetch import HttpFetcher

    answers = json.loads((CORPUS / "answers.json").read_text(encoding="utf-8"))
    # the key's file names are relative to the corpus's parent, and may leave it (the smoke corpus's demo pages)
    files = [(CORPUS.parent / e["file"]).resolve() for e in answers]
    served = Path(os.path.commonpath([CORPUS.parent.resolve(), *files]))
    rows = []
    with serve(served) as base:

        async def fetch_all() -> list[Any]:
            async with HttpFetcher(WatchSettings(trusted_networks=["127.0.0.0/8"])) as fetcher:
                return [await fetcher.fetch(base + quote(str(f.relative_to(served)))) for f in files]

        pages = asyncio.run(fetch_all())
    for entry, fetched in zip(answers, pages, strict=True):
        rows.append(measure(entry, fetched.body, fetched))
    report(rows, show_files=True)


def report(rows: list[dict[str, Any]], *, show_files: bool) -> None:
    if show_files:
        print(f"\n| {'page':<42} | {'kind':<14} | right | items/exp | recall | precision | {'ms':>5} | best proposal")
        print(f"|{'-' * 44}|{'-' * 16}|-------|-----------|--------|-----------|-------|{'-' * 30}")
        for r in rows:
            right = "yes" if r.get("right") else ("no" if "right" in r else "-")
            ie = f"{r['items']}/{r['expected']}" if "items" in r else "-"
            tilde = "~" if r.get("approx") else " "
            rec = f"{tilde}{r['recall']:.0%}" if "recall" in r else "-"
            pre = f"{tilde}{r['precision']:.0%}" if "precision" in r else "-"
            print(f"| {r['file'][:42]:<42} | {r['kind']:<14} | {right:<5} | {ie:>9} | {rec:>6} | {pre:>9} | "
                  f"{r['seconds'] * 1000:5.0f} | {r['best'][:70]}")  # fmt: skip
    scored = [r for r in rows if "precision" in r]
    exact = [r for r in scored if not r["approx"]]

    def share(rs: list[dict[str, Any]]) -> str:
        right = sum(1 for r in rs if r.get("right"))
        return f"{right}/{len(rs)} = {right / len(rs):.0%}" if rs else "-"

    list_pages = [r for r in rows if r["kind"] == "list"]
    feed_pages = [r for r in rows if r["kind"] != "list"]
    with_feed = [r for r in list_pages if r.get("main_feed")]
    no_feed = [r for r in list_pages if not r.get("main_feed")]
    times = sorted(r["seconds"] for r in rows)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nbench discover: {len(rows)} real pages (load average {load} on {os.cpu_count()} CPUs)")
    print(f"| {'measure':<52} | {'result':>14} | target |")
    print(f"|{'-' * 54}|{'-' * 16}|--------|")
    print(f"| {'best proposal right, list pages':<52} | {share(list_pages):>14} | ≥ 80 % |")
    print(f"| {'  of which list pages declaring a feed (feed first)':<52} | {share(with_feed):>14} |        |")
    print(f"| {'  of which list pages without a feed (blocks alone)':<52} | {share(no_feed):>14} |        |")
    blocks = sum(1 for r in list_pages if r.get("blocks_right"))
    print(f"| {'  the html proposal alone right, all list pages':<52} | {f'{blocks}/{len(list_pages)}':>14} |        |")
    print(f"| {'best proposal right, pages declaring a feed/calendar':<52} | {share(feed_pages):>14} | ≥ 95 % |")
    if exact:
        p = sum(r["precision"] for r in exact) / len(exact)
        rc = sum(r["recall"] for r in exact) / len(exact)
        print(f"| {f'item precision (mean, {len(exact)} pages with a key selector)':<52} | {p:>14.0%} | ≥ 95 % |")
        print(f"| {'item recall (mean, same pages)':<52} | {rc:>14.0%} |        |")
    if scored:
        p = sum(r["precision"] for r in scored) / len(scored)
        print(f"| {f'item precision (mean, all {len(scored)} list pages, ~ by count)':<52} | {p:>14.0%} |        |")
    print(f"| {'time to propose after the fetch, median / max (ms)':<52} | "
          f"{times[len(times) // 2] * 1000:6.0f} / {times[-1] * 1000:5.0f} | ≤ 1000 |")  # fmt: skip


if __name__ == "__main__":
    main()
