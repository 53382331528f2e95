"""Benchmark of the watch: 300 sources of mixed kinds served by a local HTTP server that answers after 100 ms.

    python -m bench watch

Measured, each in its own child process so memory is its own: Relais's first full collection (wall time),
an unchanged second run (wall time, nothing may be parsed), peak memory (the summed peak resident sets of the
collecting process and its parse workers), and the ``reader`` library on the same feeds as the reference: its
``update_feeds()`` as issue 3 names it (reader's default: one feed after the other), and
``update_feeds(workers=N)`` with N Relais's own concurrency (reader's threads), the reference of issue 17's
targets: peak memory ≤ 120 MB, the unchanged second run faster than reader's, the first run ≥ 1.3× as fast.
The peak is shown per process too (the collecting process + each parse worker), with the proportional set size
read after the runs beside it (shared library pages counted once; information, the verdict stays on the summed
peaks), and the 150 feeds are collected once more with ``[watch] parse_workers = 1`` (one worker fewer: about 30 MB
less, the first run without the second core for parsing), the memory target's trade-off measured in the same run.
The server runs in another process on 127.0.0.1, on several ports (an origin is host and port; with one port the
per-host politeness limit would serialise everything, as it should). Relais stores into SQLite; when
``bench.support.pg_url`` names a PostgreSQL database, the mixed run is repeated on it (one more line).
``--smoke``: 12 sources of 3 items on 4 ports, answers after 10 ms.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.support import pg_url, size, smoke, wipe

SOURCES = size(300, 12)
PORTS = size(60, 4)
DELAY = 0.01 if smoke() else 0.1
ITEMS = size(12, 3)
KINDS = ["rss"] * 3 + ["atom"] * 2 + ["jsonfeed"] + ["html"] * 2 + ["ical"] * 2 + ["json"] * 2  # 12 per cycle
# The parse workers are started before the clock starts, as in the long-running scheduler (`relais serve`), which
# starts them once; `RELAIS_BENCH_COLD=1 python -m bench watch` includes their start (about a second) in the first run.
WARM = os.environ.get("RELAIS_BENCH_COLD") != "1"
TARGETS = {"first run (s)": 10.0, "second run (s)": 2.0, "peak memory (MB)": 300.0}  # issue 3
MEMORY_TARGET = 120.0  # issue 17, MB, all processes
SPEEDUP_TARGET = 1.3  # issue 17: reader update_feeds(workers=N)'s first run ÷ Relais's
# The clustered run: this many of the feeds, the first by name, on one server that holds no other source (one
# site followed page by page). Sixteen at the per-host limit of 4 is four answers in turn: less than the whole run
# needs at 32 in flight, so the run should take as long as when spread, if those waiting leave the shared slots.
CLUSTER = size(16, 3)

TOPICS = [
    ("Appel à projets eau et assainissement au Burkina Faso", "eau potable, forage et assainissement"),
    ("Fonds ECSI pour les jeunes", "éducation à la citoyenneté et à la solidarité internationale"),
    ("AMI agroécologie au Sénégal", "agroécologie, maraîchage et souveraineté alimentaire"),
    ("Microprojets santé à Madagascar", "santé communautaire et prévention du paludisme"),
    ("Programme climat et biodiversité", "transition écologique et énergie"),
    ("Volontariat VSI au Bénin", "volontariat de solidarité internationale"),
]
MONTHS = ["janvier", "février", "mars", "avril"]


def _text(n: int, i: int) -> tuple[str, str, str]:
    title, theme = TOPICS[(n + i) % len(TOPICS)]
    day, month = 1 + (n * 7 + i * 3) % 27, MONTHS[(n + i) % 4]
    body = (
        f"<p>Le réseau relaie cet appel n°{n}-{i} consacré à {theme}. Les associations de la région et leurs "
        f"partenaires peuvent déposer un dossier complet, accompagné d'un budget prévisionnel et d'une lettre "
        f"de soutien des autorités locales.</p><p>Date limite de dépôt : {day} {month} 2027.</p>"
        f"<p><a href='/guide-{n}.pdf'>Guide du porteur de projet</a></p>"
    )
    return f"{title} ({n}-{i})", body, f"2027-{MONTHS.index(month) + 1:02d}-{day:02d}"


def body_for(n: int, kind: str, port: int) -> bytes:
    base = f"http://127.0.0.1:{port}"
    rows = [_text(n, i) for i in range(ITEMS)]
    if kind == "rss":
        items = "".join(
            f"<item><title>{t}</title><link>{base}/s{n}/{i}</link><guid>s{n}-{i}</guid>"
            f"<pubDate>Mon, 02 Nov 2026 09:00:00 +0100</pubDate><description><![CDATA[{b}]]></description></item>"
            for i, (t, b, _) in enumerate(rows)
        )
        return f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Source {n}</title><link>{base}/</link>{items}</channel></rss>".encode()  # noqa: E501
    if kind == "atom":
        entries = "".join(
            f"<entry><title>{t}</title><link href='{base}/s{n}/{i}'/><id>tag:bench,2026:s{n}-{i}</id>"
            f"<updated>2026-11-02T09:00:00+01:00</updated><content type='html'><![CDATA[{b}]]></content></entry>"
            for i, (t, b, _) in enumerate(rows)
        )
        return f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>Source {n}</title><id>tag:bench,2026:{n}</id><updated>2026-11-02T09:00:00Z</updated>{entries}</feed>".encode()  # noqa: E501
    if kind == "jsonfeed":
        doc = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": f"Source {n}",
            "items": [
                {
                    "id": f"s{n}-{i}",
                    "url": f"{base}/s{n}/{i}",
                    "title": t,
                    "content_html": b,
                    "date_published": "2026-11-02T09:00:00+01:00",
                }
                for i, (t, b, _) in enumerate(rows)
            ],
        }
        return json.dumps(doc, ensure_ascii=False).encode()
    if kind == "html":
        blocks = "".join(
            f"<article class='appel'><h2><a href='/s{n}/{i}'>{t}</a></h2><p class='date'>2 novembre 2026</p>"
            f"<div class='resume'>{b}</div></article>"
            for i, (t, b, _) in enumerate(rows)
        )
        return f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'></head><body><main>{blocks}</main></body></html>".encode()  # noqa: E501
    if kind == "ical":
        events = "".join(
            f"BEGIN:VEVENT\r\nUID:s{n}-{i}@bench\r\nDTSTAMP:20261101T000000Z\r\n"
            f"DTSTART:{d.replace('-', '')}T090000Z\r\n"
            f"DTEND:{d.replace('-', '')}T170000Z\r\nSUMMARY:{t}\r\nLOCATION:Lyon\r\nDESCRIPTION:Rencontre n°{n}-{i}\r\n"
            f"URL:{base}/s{n}/{i}\r\nEND:VEVENT\r\n"
            for i, (t, _, d) in enumerate(rows)
        )
        return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//FR\r\n{events}END:VCALENDAR\r\n".encode()
    doc = {
        "data": [
            {
                "id": f"s{n}-{i}",
                "fields": {
                    "title": t,
                    "body": b,
                    "url_alias": f"{base}/s{n}/{i}",
                    "date": {"closing": f"{d}T00:00:00+00:00"},
                    "country": [{"name": "Sénégal"}],
                },
            }
            for i, (t, b, d) in enumerate(rows)
        ]
    }
    return json.dumps(doc, ensure_ascii=False).encode()


FEEDS = {"rss", "atom", "jsonfeed"}  # what reader reads, and the "150 feeds" runs

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "jsonfeed": "application/feed+json",
    "html": "text/html; charset=utf-8",
    "ical": "text/calendar; charset=utf-8",
    "json": "application/json",
}


def plan() -> list[dict[str, Any]]:
    out = []
    for n in range(SOURCES):
        kind = KINDS[n % len(KINDS)]
        out.append({"n": n, "kind": kind, "port_index": n % PORTS})
    return out


# --- the server: asyncio, keep-alive, ETag, 100 ms per answer --------------------------------------------------


def serve(ports: list[int], ready: Any) -> None:
    bodies: dict[str, tuple[bytes, str]] = {}  # every port answers every source (the clustered run moves some)
    for p in plan():
        port = ports[p["port_index"]]
        bodies[f"/src/{p['n']}"] = (body_for(p["n"], p["kind"], port), CONTENT_TYPES[p["kind"]])

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
                await asyncio.sleep(DELAY)
                body, content_type = bodies.get(path, (None, ""))
                if body is None:
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                else:
                    etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                    if headers.get("if-none-match") == etag:
                        writer.write(f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n".encode())
                    else:
                        writer.write(
                            f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nETag: {etag}\r\n"
                            f"Content-Length: {len(body)}\r\n\r\n".encode()
                            + body
                        )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, "127.0.0.1", p, backlog=1024) for p in ports]
        ready.set()
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(main())


def free_ports(count: int) -> list[int]:
    import socket

    socks, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


# --- the measured runs, each in a child process ---------------------------------------------------------------


def peak_memory_mb() -> float:
    """Sum of the peak resident set (``VmHWM``) of this process and of every live descendant (the parse workers,
    which ``getrusage`` cannot see while they run). Read once, after the runs and before the workers stop: the
    kernel keeps each process's high-water mark, so no sampler thread runs during the timed runs (an earlier 50 ms
    PSS sampler cost the measured process about a second of CPU and could miss a short peak). An upper bound:
    shared library pages are counted in every process that maps them, and the per-process peaks need not have
    been simultaneous."""
    return sum(peaks_mb())


def peaks_mb() -> list[float]:
    """The peak resident set (``VmHWM``, MB) of this process, then of each live descendant."""
    return _status_mb("VmHWM:")


def resident_mb() -> list[float]:
    """The resident set now (``VmRSS``, MB) of this process, then of each live descendant."""
    return _status_mb("VmRSS:")


def _status_mb(field: str) -> list[float]:
    import psutil

    out = []
    for proc in [psutil.Process(), *psutil.Process().children(recursive=True)]:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                out.append(next(int(line.split()[1]) for line in f if line.startswith(field)) / 1024)
        except (OSError, StopIteration, psutil.Error):
            continue
    return out


def proportional_mb() -> str:
    """The proportional set size (``Pss``: a page that n processes map counts 1/n in each) of this process and of
    every live descendant, summed, read once after the runs: what the group holds, shared library pages counted
    once. It is the group's peak when every process is then at its own peak resident set (``VmRSS`` = ``VmHWM``:
    nothing given back since); otherwise it is marked as a lower bound. Information beside the verdict, which stays
    on the summed peaks (the upper bound)."""
    import psutil

    total, at_peak = 0.0, True
    for proc in [psutil.Process(), *psutil.Process().children(recursive=True)]:
        try:
            with open(f"/proc/{proc.pid}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:")) / 1024
            with open(f"/proc/{proc.pid}/status") as f:
                status = {k: v for k, _, v in (line.partition(":") for line in f)}
            at_peak = at_peak and status["VmRSS"].split()[0] == status["VmHWM"].split()[0]
        except (OSError, StopIteration, KeyError, psutil.Error):
            continue
    return f"{total:.0f}" if at_peak else f"≥ {total:.0f}"


def _cpu_all() -> float:
    """CPU seconds (user + system) of this process and every live descendant (the parse workers)."""
    import psutil

    me = psutil.Process()
    total: float = sum(me.cpu_times()[:2])
    for proc in me.children(recursive=True):
        try:
            total += sum(proc.cpu_times()[:2])
        except psutil.Error:
            continue
    return total


def _maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def child_relais(
    workdir: str,
    ports: list[int],
    only_feeds: bool,
    url: str = "",
    workers: int | None = None,
    clustered: int = 0,
) -> dict[str, Any]:
    """Relais on the plan's sources (the feeds alone with ``only_feeds``), ``workers`` parse workers (default:
    ``[watch] parse_workers``'s default); ``clustered``: that many sources, the first by name (the order of a
    collection), all on the last port (at full size it serves no other source: one site followed page by page)."""
    from core.clock import SystemClock
    from core.model import ItemKind, Source, SourceKind
    from core.settings import WatchSettings, load_settings
    from relais.heap import freeze_startup
    from storage.database import Database
    from storage.migrate import upgrade
    from storage.sources import SourceRepository
    from watch.service import Watch, process_pool, taxonomy_rules

    db = Database(url or f"sqlite:///{workdir}/relais.db")
    if db.dialect == "postgresql":
        wipe(db)
    upgrade(db)
    html_opts = {"item": "article.appel", "title": "h2", "link": "h2 a", "date": ".date", "summary": ".resume"}
    json_opts = {
        "items": "data",
        "id": "id",
        "title": "fields.title",
        "url": "fields.url_alias",
        "deadline": "fields.date.closing",
        "country": "fields.country.name",
        "summary": "fields.body",
    }
    kinds = {"rss": "feed", "atom": "feed", "jsonfeed": "feed", "html": "html", "ical": "ical", "json": "json"}
    sources = [
        Source(
            name=f"source {p['n']}",
            url=f"http://127.0.0.1:{ports[p['port_index']]}/src/{p['n']}",
            kind=SourceKind(kinds[p["kind"]]),
            item_kind=ItemKind.CALL,
            options=html_opts if p["kind"] == "html" else json_opts if p["kind"] == "json" else {},
        )
        for p in plan()
        if not only_feeds or p["kind"] in FEEDS
    ]
    for src in sorted(sources, key=lambda src: src.name)[:clustered]:
        src.url = f"http://127.0.0.1:{ports[-1]}/src/{src.url.rsplit('/', 1)[1]}"
    with db.session() as s:
        SourceRepository(s).sync_from_config(sources)
    settings = WatchSettings(trusted_networks=["127.0.0.0/8"])  # the sources are served on 127.0.0.1
    taxonomy = load_settings(Path(__file__).parents[1] / "config.toml").taxonomy
    pool = process_pool(settings.parse_workers if workers is None else workers, warm=WARM)
    watch = Watch(db, settings, SystemClock(), taxonomy_rules(taxonomy), parse_pool=pool)
    if WARM:  # the TLS context (~0.1-0.4 s of loading the CA bundle) is made once per process, like the workers
        watch.tls()
    freeze_startup()  # as `relais watch run` and the scheduler do once the watch is built
    at_start = resident_mb()  # everything imported and started, nothing fetched: the floor under the peak
    cpu0, main0 = _cpu_all(), time.process_time()
    t0 = time.perf_counter()
    first = watch.collect()
    t1 = time.perf_counter()
    cpu1, main1 = _cpu_all(), time.process_time()
    t1b = time.perf_counter()  # reading every process's CPU (psutil walks /proc) is not part of the second run
    second = watch.collect()
    t2 = time.perf_counter()
    peaks = peaks_mb()  # before the workers stop
    pss = proportional_mb()
    watch.close()
    return {
        "sources": len(sources),
        "first": t1 - t0,
        "first_cpu": cpu1 - cpu0,
        "first_cpu_main": main1 - main0,
        "second": t2 - t1b,
        "first_errors": [r.error for r in first if r.outcome == "error"][:3],
        "items": sum(r.new for r in first),
        "parsed_second": sum(r.parsed for r in second),
        "not_modified_second": sum(r.outcome == "not_modified" for r in second),
        "maxrss_main": _maxrss_mb(resource.RUSAGE_SELF),
        "peak_total": sum(peaks),
        "pss_total": pss,
        "peaks": peaks,
        "at_start": at_start,
        "start_total": sum(at_start),
        "workers": len(peaks) - 1,
    }


def child_reader(workdir: str, ports: list[int], threads: bool) -> dict[str, Any]:
    """reader on the same feeds: ``update_feeds()`` as the issue names it (reader's default, one feed after the
    other), or with ``workers=`` Relais's own concurrency (reader's threads: fetching overlaps, parsing shares
    one interpreter lock). The sequential second run would only measure 150 more waits: it is left out."""
    from reader import make_reader

    r = make_reader(f"{workdir}/reader.sqlite")
    feeds = [p for p in plan() if p["kind"] in FEEDS]
    for p in feeds:
        r.add_feed(f"http://127.0.0.1:{ports[p['port_index']]}/src/{p['n']}")
    if WARM:  # reader imports its parsers on the first update; warm means both sides have their parsers loaded
        import importlib

        for module in ("reader._parser.feedparser", "reader._parser.http", "reader._parser.jsonfeed"):
            importlib.import_module(module)
    at_start = resident_mb()

    def update() -> None:
        if threads:  # scheduled=False: the second run refetches every feed, as Relais's does
            r.update_feeds(workers=watch_concurrency(), scheduled=False)
        else:
            r.update_feeds()  # new feeds are all due

    cpu0 = _cpu_all()
    t0 = time.perf_counter()
    update()
    t1 = time.perf_counter()
    cpu1 = _cpu_all()
    entries = r.get_entry_counts().total
    second = None
    if threads:
        t1b = time.perf_counter()
        update()
        second = time.perf_counter() - t1b
    r.close()
    return {
        "sources": len(feeds),
        "first": t1 - t0,
        "first_cpu": cpu1 - cpu0,
        "first_cpu_main": cpu1 - cpu0,
        "second": second,
        "items": entries,
        "maxrss_main": _maxrss_mb(resource.RUSAGE_SELF),
        "peak_total": peak_memory_mb(),
        "pss_total": proportional_mb(),
        "start_total": sum(at_start),
    }


def child_httpx(workdir: str, ports: list[int]) -> dict[str, Any]:
    """httpx alone on the 150 feeds, with the watch's limits and one client per origin sharing one TLS context,
    as the watch's fetcher: a first pass for the ETags, then the timed pass of conditional requests (all 304).
    What the unchanged second run costs with nothing of Relais around its HTTP client."""
    import math
    import ssl

    import httpx

    from core.settings import WatchSettings

    settings = WatchSettings()
    urls = [f"http://127.0.0.1:{ports[p['port_index']]}/src/{p['n']}" for p in plan() if p["kind"] in FEEDS]
    tls = ssl.create_default_context()

    async def run(etags: dict[str, str]) -> dict[str, str]:
        clients: dict[str, httpx.AsyncClient] = {}
        shared = asyncio.Semaphore(settings.concurrency)
        hosts: dict[str, asyncio.Semaphore] = {}
        limits = httpx.Limits(max_connections=settings.per_host, max_keepalive_connections=settings.per_host)
        out = {}

        async def one(url: str) -> None:
            origin = url.split("/")[2]
            host = hosts.setdefault(origin, asyncio.Semaphore(settings.per_host))
            async with host, shared:
                client = clients.get(origin) or clients.setdefault(
                    origin, httpx.AsyncClient(limits=limits, verify=tls, trust_env=False)
                )
                headers = {"If-None-Match": etags[url]} if url in etags else {}
                response = await client.get(url, headers=headers)
                out[url] = response.headers.get("etag", "") if response.status_code in (200, 304) else ""

        await asyncio.gather(*(one(u) for u in urls))
        for client in clients.values():
            await client.aclose()
        return out

    etags = asyncio.run(run({}))
    t0 = time.perf_counter()
    asyncio.run(run(etags))
    second = time.perf_counter() - t0
    rounds = math.ceil(len(urls) / settings.concurrency)
    return {"sources": len(urls), "second": second, "floor": rounds * DELAY, "rounds": rounds}


def watch_concurrency() -> int:
    from core.settings import WatchSettings

    return WatchSettings().concurrency


def _run_child(what: str, ports: list[int], url: str = "") -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-m", "bench.watch", what, tmp, json.dumps(ports), url],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parents[1],
            timeout=600,
        )
        if out.returncode != 0:
            raise RuntimeError(f"{what} failed:\n{out.stderr[-3000:]}")
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))


LOAD = 0.0


def main() -> None:
    global LOAD
    LOAD = os.getloadavg()[0]
    ports = free_ports(PORTS)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    server = ctx.Process(target=serve, args=(ports, ready), daemon=True)
    server.start()
    try:
        if not ready.wait(60):
            raise RuntimeError("benchmark server did not start")
        relais_all = _run_child("relais", ports)
        relais_feeds = _run_child("relais-feeds", ports)
        one_worker = _run_child("relais-feeds-1", ports)
        clustered = _run_child("relais-clustered", ports)
        reference = _run_child("reader", ports)
        threaded = _run_child("reader-threads", ports)
        bare = _run_child("httpx", ports)
        on_pg = _run_child("relais", ports, pg_url()) if pg_url() else None
    finally:
        server.terminate()
        server.join(5)
    report(relais_all, relais_feeds, reference, threaded)
    report_one_worker(relais_feeds, one_worker, threaded)
    report_clustered(relais_feeds, clustered)
    report_floor(relais_feeds, threaded, bare)
    if on_pg:
        print(f"Relais, {on_pg['sources']} mixed, on PostgreSQL: first run {on_pg['first']:.2f} s, second run "
              f"{on_pg['second']:.2f} s, {on_pg['items']} items stored, {on_pg['parsed_second']} parsed on the "
              f"second run, errors {on_pg['first_errors'] or 'none'}")  # fmt: skip
    else:
        print("PostgreSQL: not measured (no RELAIS_TEST_DATABASE_URL or RELAIS_BENCH_DATABASE_URL)")


def _split(run: dict[str, Any], key: str = "peaks") -> str:
    return " + ".join(f"{mb:.0f}" for mb in run[key])


def report_one_worker(feeds: dict[str, Any], one: dict[str, Any], threaded: dict[str, Any]) -> None:
    """The same 150 feeds with ``[watch] parse_workers = 1``: issue 17's memory target against the first run."""
    peak = one["peak_total"]
    print(
        f"with [watch] parse_workers = 1 ({one['sources']} feeds): peak {peak:.0f} MB ({_split(one)}; "
        f"{'✓' if peak <= MEMORY_TARGET else '✗'} ≤ {MEMORY_TARGET:.0f} MB), first run {one['first']:.2f} s "
        f"(CPU {one['first_cpu']:.2f} s) vs {feeds['first']:.2f} s with {feeds['workers']} workers: reader's "
        f"first run ÷ Relais's {threaded['first'] / one['first']:.2f} (with {feeds['workers']}: "
        f"{threaded['first'] / feeds['first']:.2f}); {one['items']} items, second run {one['second']:.2f} s"
    )


def report_floor(feeds: dict[str, Any], threaded: dict[str, Any], bare: dict[str, Any]) -> None:
    """The unchanged second run against what the network allows: the server answers each request after DELAY, so
    N requests at C in flight take at least ceil(N / C) answers in turn."""
    floor = bare["floor"]
    print(
        f"unchanged second run, {bare['sources']} feeds: the server's floor is {bare['rounds']} answers in turn × "
        f"{DELAY * 1000:.0f} ms = {floor:.2f} s; httpx alone (the watch's client and limits, nothing else) "
        f"{bare['second']:.2f} s, Relais {feeds['second']:.2f} s, reader's threads {threaded['second']:.2f} s "
        f"(÷ floor {bare['second'] / floor:.2f}, {feeds['second'] / floor:.2f}, {threaded['second'] / floor:.2f})"
    )


def report_clustered(feeds: dict[str, Any], clustered: dict[str, Any]) -> None:
    """The same feeds with CLUSTER of them on one server, listed first: the requests waiting for that server
    must leave the shared slots to the others (watch.fetch), so the run takes about as long as when spread."""
    print(
        f"with {CLUSTER} of the {clustered['sources']} feeds on one server, listed first: first run "
        f"{clustered['first']:.2f} s, second run {clustered['second']:.2f} s (spread over {PORTS} origins: "
        f"{feeds['first']:.2f} s and {feeds['second']:.2f} s; ratio {clustered['first'] / feeds['first']:.2f} and "
        f"{clustered['second'] / feeds['second']:.2f}); {clustered['items']} items"
    )


def report(all_: dict[str, Any], feeds: dict[str, Any], ref: dict[str, Any], threaded: dict[str, Any]) -> None:
    peak = all_["peak_total"]
    workers = watch_concurrency()
    print(
        f"\nwatch: {SOURCES} sources ({', '.join(sorted(set(KINDS)))}), {ITEMS} items each, server answers after "
        f"{DELAY * 1000:.0f} ms, {PORTS} origins on 127.0.0.1, {os.cpu_count()} CPUs, load average {LOAD:.1f} "
        "before the runs (other work on the machine slows every column); "
        + (
            "warm: Relais's parse workers and TLS context, and reader's parsers, ready before each clock starts"
            if WARM
            else "cold: worker start, TLS context and parser imports inside each first run (RELAIS_BENCH_COLD=1)"
        )
    )

    def cells(key: str, fmt: str = "{:.2f}") -> list[str]:
        return [fmt.format(x[key]) if x.get(key) is not None else "n/a" for x in (all_, feeds, ref, threaded)]

    rows = [
        (
            "measure",
            f"Relais, {all_['sources']} mixed",
            f"Relais, {feeds['sources']} feeds",
            f"reader update_feeds(), {ref['sources']} feeds",
            f"reader update_feeds(workers={workers})",
            "target",
        ),
        ("first run (s)", *cells("first"), "≤ 10"),
        ("first run CPU, all processes (s)", *cells("first_cpu"), ""),
        ("  of which the collecting process (s)", *cells("first_cpu_main"), ""),
        ("second run, unchanged (s)", *cells("second"), "≤ 2"),
        ("items stored", *cells("items", "{}"), ""),
        ("parsed on second run", all_["parsed_second"], feeds["parsed_second"], "n/a", "n/a", "0"),
        ("peak memory, all processes (MB)", *cells("peak_total", "{:.0f}"), f"≤ {MEMORY_TARGET:.0f} (issue 3: ≤ 300)"),
        ("  collecting process + each parse worker (MB)", _split(all_), _split(feeds), "", "", ""),
        ("resident before the first source, all processes (MB)", *cells("start_total", "{:.0f}"), "information"),
        (
            "  collecting process + each parse worker (MB)",
            _split(all_, "at_start"),
            _split(feeds, "at_start"),
            "",
            "",
            "",
        ),
        ("  proportional (PSS) after the runs, all processes (MB)", *cells("pss_total", "{}"), "information"),
        (
            f"reader's first run ÷ Relais's ({feeds['sources']} feeds)",
            "",
            "",
            f"{ref['first'] / feeds['first']:.2f}",
            f"{threaded['first'] / feeds['first']:.2f}",
            f"≥ {SPEEDUP_TARGET} with workers (issue 3: ≥ 2)",
        ),
        (
            f"reader's second run ÷ Relais's ({feeds['sources']} feeds)",
            "",
            "",
            "n/a",
            f"{threaded['second'] / feeds['second']:.2f}",
            "> 1",
        ),
    ]
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for j, r in enumerate(rows):
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
        if j == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    if all_["first_errors"]:
        print("errors on the first run (first three):", all_["first_errors"])
    peak = max(peak, feeds["peak_total"])
    issue_3 = {
        "first run ≤ 10 s": all_["first"] <= 10,
        "second run ≤ 2 s and nothing parsed": all_["second"] <= 2 and all_["parsed_second"] == 0,
        "peak memory ≤ 300 MB": peak <= 300,
        "≥ 2× faster than reader's update_feeds()": ref["first"] / feeds["first"] >= 2,
        f"≥ 2× faster than update_feeds(workers={workers})": threaded["first"] / feeds["first"] >= 2,
    }
    issue_17 = {
        f"peak memory ≤ {MEMORY_TARGET:.0f} MB": peak <= MEMORY_TARGET,
        f"unchanged second run faster than update_feeds(workers={workers})'s": feeds["second"] < threaded["second"],
        f"first run ≥ {SPEEDUP_TARGET}× faster than update_feeds(workers={workers})": threaded["first"] / feeds["first"]
        >= SPEEDUP_TARGET,
    }
    for name, verdicts in (("issue 3", issue_3), ("issue 17", issue_17)):
        print(f"{name}: " + "  ".join(f"{'✓' if ok else '✗'} {what}" for what, ok in verdicts.items()))


if __name__ == "__main__":
    what, workdir, ports_json = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    if what == "relais":
        result = child_relais(workdir, ports_json, only_feeds=False, url=sys.argv[4] if len(sys.argv) > 4 else "")
    elif what == "relais-feeds":
        result = child_relais(workdir, ports_json, only_feeds=True)
    elif what == "relais-feeds-1":
        result = child_relais(workdir, ports_json, only_feeds=True, workers=1)
    elif what == "httpx":
        result = child_httpx(workdir, ports_json)
    elif what == "relais-clustered":
        result = child_relais(workdir, ports_json, only_feeds=True, clustered=CLUSTER)
    else:
        result = child_reader(workdir, ports_json, threads=what == "reader-threads")
    print(json.dumps(result))
