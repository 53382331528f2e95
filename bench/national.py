"""A national deployment: ``python -m bench national`` (issue 20).

14 networks, 250,000 subscribers and 4,000 sources of which a third are shared, on PostgreSQL (rows written with
COPY). Then, as one monthly round, each measured with a reference taken in the same run:

- one full collection of every source, served by a local HTTP server (``[watch] trusted_networks`` lets the
  outbound policy reach it); each shared source fetched and parsed once, stored by each of the 14 networks in its
  own rows, less the items of another region. Reference: the same sources fetched, nothing more (httpx, the
  watch's concurrency): the network's floor.
- composing the month's 14 newsletters (each network 40 approved items), one network after another.
- handing every network's newsletter to Postfix's ``smtp-sink`` from one sender process (peak memory measured
  there). Reference: ``smtp-source`` sending as many messages to the same sink.
- the triage page of one network (``relais serve --workers 2``), 8 clients, with the 14 networks' items in the
  tables. Reference: ``/healthz`` from the same server and clients.

Targets: the whole round (collection + composition + sending) ≤ 10 minutes, the sender's peak memory ≤ 1 GB, the
triage page's p95 ≤ 150 ms. ``--smoke``: 3 networks, 300 subscribers, 24 sources, on PostgreSQL when the tests
have it (else SQLite).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.support import ensure_database, insert_rows, pg_url, print_results, size, smoke, tool, wipe

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = size(14, 3)
SUBSCRIBERS = size(250_000, 300)
SOURCES = size(4_000, 24)
PORTS = size(40, 4)
APPROVED = size(40, 5)  # items each network puts in its newsletter
CLIENTS, TRIAGE_REQUESTS = 8, size(800, 40)
PG = os.environ.get("RELAIS_BENCH_NATIONAL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/relais_national")
SINK, SOURCE = "/usr/sbin/smtp-sink", "/usr/sbin/smtp-source"
EDITOR, PASSWORD = "redaction@reseau1.example", "mot de passe du banc national"
TARGETS = {"round (s)": 600.0, "sender peak (MB)": 1024.0, "triage p95 (ms)": 150.0}

# Metropolitan France's départements, shared out between the networks: each its region.
DEPARTEMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]


def free_ports(count: int) -> list[int]:
    from bench.watch import free_ports as ports

    return ports(count)


def plan() -> list[dict[str, Any]]:
    """Each source: its kind, its port, and whose it is (None: shared; else a network's index)."""
    from bench.watch import KINDS

    return [
        {
            "n": n,
            "kind": KINDS[n % len(KINDS)],
            "port_index": n % PORTS,
            "network": None if n % 3 == 0 else n % NETWORKS,
        }
        for n in range(SOURCES)
    ]


def serve(ports: list[int], ready: Any) -> None:
    """The sources, each at /src/N on its port, answered at once (this is not a benchmark of slow servers)."""
    from bench.watch import CONTENT_TYPES, body_for

    bodies = {}
    for p in plan():
        port = ports[p["port_index"]]
        bodies[(port, f"/src/{p['n']}")] = (body_for(p["n"], p["kind"], port), CONTENT_TYPES[p["kind"]])

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = writer.get_extra_info("sockname")[1]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.decode("latin-1").split(" ", 2)[1]
                body, kind = bodies.get((port, path), (b"", ""))
                status = "200 OK" if body else "404 Not Found"
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, "127.0.0.1", p, backlog=2048) for p in ports]
        ready.set()
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(main())


def write_config(tmp: Path, url: str, sink_port: int, web_port: int, ports: list[int]) -> Path:
    """The deployment's config.toml: the example's taxonomy, 14 networks at their own hosts, SMTP to the sink."""
    share = -(-len(DEPARTEMENTS) // NETWORKS)
    networks = "".join(
        f"""
[[networks]]
slug = "reseau{i + 1}"
name = "Réseau {i + 1}"
newsletter_name = "La lettre du réseau {i + 1}"
from_address = "lettre@reseau{i + 1}.example"
postal_address = "Réseau {i + 1}, 1 rue de l'Exemple"
base_url = "http://reseau{i + 1}.relais.test"  # plain HTTP: the clients reach the server on 127.0.0.1
departements = {json.dumps(DEPARTEMENTS[i * share : (i + 1) * share])}
"""
        for i in range(NETWORKS)
    )
    example = (ROOT / "config.toml").read_text(encoding="utf-8")
    start = example.index("[[taxonomy.themes]]")
    taxonomy = example[start : example.index("# ------", start)]
    cfg = tmp / "config.toml"
    cfg.write_text(
        f"""{networks}
[database]
url = "{url}"
[mail]
backend = "smtp"
count_clicks = false
  [mail.smtp]
  host = "127.0.0.1"
  port = {sink_port}
  security = "none"
  connections = 8
[web]
host = "127.0.0.1"
port = {web_port}
workers = 2
secret_key = "{"n" * 48}"
[scheduler]
enabled = false
[watch]
trusted_networks = ["127.0.0.0/8"]
{taxonomy}
""",
        encoding="utf-8",
    )
    return cfg


def build(cfg: Path, ports: list[int]) -> dict[str, Any]:
    """The networks, their subscribers (COPY) and the sources; the time it took."""
    from core.model import ItemKind, Source, SourceKind
    from relais.wiring import load, sync_networks
    from storage.sources import SourceRepository
    from storage.tables import SubscriberRow

    t0 = time.perf_counter()
    svc = load(str(cfg))
    ids = sync_networks(svc)
    slugs = [n.slug for n in svc.settings.all_networks]
    now = datetime.now(UTC)
    people = (
        {"network_id": ids[slugs[i % NETWORKS]], "email": f"membre{i}@asso{i % 997}.example", "status": "confirmed",
         "preferences": {}, "created_at": now - timedelta(days=40), "confirmed_at": now - timedelta(days=39),
         "legal_basis": "consent"}
        for i in range(SUBSCRIBERS)
    )  # fmt: skip
    subscribers = insert_rows(svc.db, SubscriberRow.__table__, people)  # type: ignore[arg-type]
    kinds = {"rss": "feed", "atom": "feed", "jsonfeed": "feed", "html": "html", "ical": "ical", "json": "json"}
    html = {"item": "article.appel", "title": "h2", "link": "h2 a", "date": ".date", "summary": ".resume"}
    json_ = {"items": "data", "id": "id", "title": "fields.title", "url": "fields.url_alias",
             "deadline": "fields.date.closing", "summary": "fields.body"}  # fmt: skip
    sources = [
        Source(
            name=f"source {p['n']}",
            url=f"http://127.0.0.1:{ports[p['port_index']]}/src/{p['n']}",
            kind=SourceKind(kinds[p["kind"]]),
            item_kind=ItemKind.CALL,
            options=html if p["kind"] == "html" else json_ if p["kind"] == "json" else {},
            network_id=None if p["network"] is None else ids[slugs[p["network"]]],
        )
        for p in plan()
    ]
    with svc.db.session() as s:
        SourceRepository(s).sync_from_config(sources)
    svc.close()
    return {"seconds": time.perf_counter() - t0, "subscribers": subscribers, "sources": len(sources)}


def collect(cfg: Path) -> dict[str, Any]:
    """One collection round of every source for every network that follows it."""
    from relais.wiring import load, watch_service

    svc = load(str(cfg))
    watch = watch_service(svc)
    watch.tls()
    t0 = time.perf_counter()
    results = watch.collect()
    seconds = time.perf_counter() - t0
    watch.close()
    with svc.db.session() as s:
        rows = int(s.execute(_sql("SELECT count(*) FROM items")).scalar_one())
    svc.close()
    errors = [r.error for r in results if r.outcome == "error"]
    return {"seconds": seconds, "rows": rows, "new": sum(r.new for r in results), "errors": len(errors),
            "first_error": errors[0] if errors else ""}  # fmt: skip


def fetch_floor(ports: list[int]) -> float:
    """The same sources fetched with the watch's concurrency, nothing parsed or stored: the network's floor."""
    from core.settings import WatchSettings

    urls = [f"http://127.0.0.1:{ports[p['port_index']]}/src/{p['n']}" for p in plan()]
    limit = WatchSettings().concurrency

    async def run() -> float:
        gate = asyncio.Semaphore(limit)
        async with httpx.AsyncClient(timeout=30) as client:

            async def one(url: str) -> None:
                async with gate:
                    (await client.get(url)).raise_for_status()

            t0 = time.perf_counter()
            await asyncio.gather(*(one(u) for u in urls))
            return time.perf_counter() - t0

    return asyncio.run(run())


def compose(cfg: Path) -> dict[str, Any]:
    """Each network approves its first items and builds and approves its month's newsletter."""
    from relais.wiring import digest_service, load

    base = load(str(cfg))
    with base.db.session() as s:
        s.execute(
            _sql(
                "UPDATE items SET status = 'approved', approved_at = :at, approved_by = 'bench' WHERE id IN ("
                " SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY network_id ORDER BY id) AS n"
                " FROM items) ranked WHERE n <= :k)"
            ),
            {"at": datetime.now(UTC) - timedelta(hours=1), "k": APPROVED},
        )
        # The fixture server's links point at this machine, which the pre-send checks rightly refuse in a mail.
        for column in ("url", "canonical_url", "body_html", "summary"):
            s.execute(
                _sql(
                    f"UPDATE items SET {column} = replace({column}, 'http://127.0.0.1:', 'https://sources.example/p')"
                    " WHERE status = 'approved'"
                )
            )
    issues, t0 = [], time.perf_counter()
    for net in base.networks():
        digest = digest_service(net)
        issue = digest.build_newsletter(by="bench")
        assert issue.id is not None
        digest.approve(issue.id, by="bench")
        issues.append((net.settings.network.slug, issue.id, len(issue.entries)))
    seconds = time.perf_counter() - t0
    base.close()
    return {"seconds": seconds, "issues": issues}


def send_child(cfg: str, out: Any) -> None:
    """The one sender: every network's newsletter, one network after another (its own queue)."""
    from relais.sending import send_due
    from relais.wiring import load

    base = load(cfg)
    t0 = time.perf_counter()
    reports = [report for net in base.networks() for report in send_due(net)]
    seconds = time.perf_counter() - t0
    base.close()
    out.send({"seconds": seconds, "outcomes": sorted({str(r.outcome) for r in reports}), "issues": len(reports),
              "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})  # fmt: skip


def send(cfg: Path) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe(duplex=False)
    child = ctx.Process(target=send_child, args=(str(cfg), theirs))
    child.start()
    result: dict[str, Any] = ours.recv()
    child.join()
    return result


def sent_count(cfg: Path) -> int:
    from relais.wiring import load

    svc = load(str(cfg))
    with svc.db.session() as s:
        n = int(s.execute(_sql("SELECT count(*) FROM deliveries WHERE status = 'accepted'")).scalar_one())
    svc.close()
    return n


def smtp_source_rate(port: int, messages: int) -> float:
    source = tool(SOURCE, "postfix", "the smtp-source reference")
    if source is None:
        return 0.0
    t0 = time.perf_counter()
    subprocess.run(
        [source, "-s", "8", "-l", "20480", "-m", str(messages), "-f", "lettre@reseau1.example", "-t",
         "membre@asso.example", f"127.0.0.1:{port}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return messages / (time.perf_counter() - t0)


def triage(cfg: Path, web_port: int) -> dict[str, Any]:
    """``relais serve`` with the 14 networks; the first network's editor at its triage page, 8 clients; the same
    clients at ``/healthz`` for the reference."""
    from core.model import Role
    from relais.wiring import load
    from subscribers.accounts import Accounts

    svc = load(str(cfg))
    first = svc.for_network(svc.settings.all_networks[0].slug)
    Accounts(first.db).add(EDITOR, Role.EDITOR, PASSWORD, now=svc.clock.now())
    # After the round's hundreds of thousands of rows, what autovacuum does within minutes in production: the
    # statistics (without them the planner reads the triage's tables blind) and the visibility map (without it the
    # capped count reads the table's pages instead of its index alone). SQLite: its statistics.
    with svc.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if svc.db.dialect == "postgresql" else "ANALYZE")
    svc.close()
    server = subprocess.Popen(
        [sys.executable, "-m", "relais", "--config", str(cfg), "serve"], cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    host = "reseau1.relais.test"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{web_port}/healthz", headers={"host": host}).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        page = asyncio.run(_clients(web_port, host, "/admin/items"))
        health = asyncio.run(_clients(web_port, host, "/healthz"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"page": page, "health": health}


async def _clients(port: int, host: str, path: str) -> dict[str, float]:
    async def session() -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"host": host}, timeout=30)
        login = await client.get("/admin/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token, "no CSRF token on the login page"
        r = await client.post(
            "/admin/login", data={"email": EDITOR, "password": PASSWORD, "csrf_token": token.group(1)}
        )
        assert r.status_code in (200, 303), r.status_code
        return client

    pool = [await session() for _ in range(CLIENTS)]
    for c in pool:
        (await c.get(path)).raise_for_status()  # warm: templates, caches, connections
    times: list[float] = []
    left = list(range(TRIAGE_REQUESTS))

    async def worker(client: httpx.AsyncClient) -> None:
        while left:
            left.pop()
            t0 = time.perf_counter()
            (await client.get(path)).raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in pool))
    elapsed = time.perf_counter() - t0
    for c in pool:
        await c.aclose()
    times.sort()
    return {"p95": times[int(0.95 * (len(times) - 1))], "median": times[len(times) // 2], "rps": len(times) / elapsed}


def _sql(statement: str) -> Any:
    from sqlalchemy import text

    return text(statement)


def database() -> tuple[str, str]:
    """(engine, url): PostgreSQL (created when missing, then emptied); at the smoke size SQLite without one."""
    url = pg_url() if smoke() else ensure_database(PG)
    if not url:
        print("PostgreSQL: not measured (no RELAIS_TEST_DATABASE_URL): SQLite at the smoke size")
        return "sqlite", ""
    from storage.database import Database

    db = Database(url)
    wipe(db)
    db.dispose()
    return "postgresql", url


def main() -> None:
    engine, url = database()
    sink_path = tool(SINK, "postfix", "the sending part")
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{tmp}/relais.db"
        ports = free_ports(PORTS + 2)
        sink_port, web_port, ports = ports[0], ports[1], ports[2:]
        cfg = write_config(Path(tmp), url, sink_port, web_port, ports)
        subprocess.run([sys.executable, "-m", "relais", "--config", str(cfg), "db", "upgrade"], cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        ready = multiprocessing.Event()
        server = multiprocessing.Process(target=serve, args=(ports, ready), daemon=True)
        server.start()
        ready.wait(30)
        sink = None
        if sink_path:
            user = ["-u", "nobody"] if os.geteuid() == 0 else []
            sink = subprocess.Popen([sink_path, *user, f"127.0.0.1:{sink_port}", "1024"], stdout=subprocess.DEVNULL)
            time.sleep(0.3)
        try:
            built = build(cfg, ports)
            floor = fetch_floor(ports)
            collected = collect(cfg)
            composed = compose(cfg)
            sent = send(cfg) if sink else {"seconds": 0.0, "peak_mb": 0.0, "outcomes": [], "issues": 0}
            messages = sent_count(cfg) if sink else 0
            reference = smtp_source_rate(sink_port, messages) if sink and messages else 0.0
            web = triage(cfg, web_port)
        finally:
            server.terminate()
            if sink is not None:
                sink.terminate()
    report(engine, built, floor, collected, composed, sent, messages, reference, web)


def report(
    engine: str,
    built: dict[str, Any],
    floor: float,
    collected: dict[str, Any],
    composed: dict[str, Any],
    sent: dict[str, Any],
    messages: int,
    reference: float,
    web: dict[str, Any],
) -> None:
    round_s = collected["seconds"] + composed["seconds"] + sent["seconds"]
    rate = messages / sent["seconds"] if sent["seconds"] else 0.0

    def verdict(name: str, value: float) -> str:
        return "met" if value <= TARGETS[name] else f"NOT met (≤ {TARGETS[name]:g})"

    rows = [
        (engine, f"data set: {NETWORKS} networks", f"{built['seconds']:.1f} s", f"{built['subscribers']} subscr."),
        (engine, f"collection: {built['sources']} sources", f"{collected['seconds']:.1f} s",
         f"{collected['rows']} rows, {collected['errors']} err"),
        (engine, "  reference: fetch only (floor)", f"{floor:.1f} s",
         f"×{collected['seconds'] / floor:.1f}" if floor else "-"),
        (engine, f"composition: {len(composed['issues'])} newsletters", f"{composed['seconds']:.1f} s", ""),
        (engine, f"sending: {messages} messages", f"{sent['seconds']:.1f} s", f"{rate:.0f} msg/s"),
        (engine, "  reference: smtp-source", f"{reference:.0f} msg/s",
         f"{rate / reference:.0%} of it" if reference else "-"),
        (engine, "round (s)", f"{round_s:.1f}", verdict("round (s)", round_s)),
        (engine, "sender peak (MB)", f"{sent['peak_mb']:.0f}", verdict("sender peak (MB)", sent["peak_mb"])),
        (engine, "triage p95 (ms)", f"{web['page']['p95']:.0f}", verdict("triage p95 (ms)", web["page"]["p95"])),
        (engine, "  triage median (ms), req/s", f"{web['page']['median']:.0f}", f"{web['page']['rps']:.0f} req/s"),
        (engine, "  reference: /healthz p95 (ms)", f"{web['health']['p95']:.0f}", f"{web['health']['rps']:.0f} req/s"),
    ]  # fmt: skip
    if collected["first_error"]:
        print(f"first collection error: {collected['first_error']}")
    print_results(f"National round: {NETWORKS} networks, {SUBSCRIBERS} subscribers, {SOURCES} sources", rows)


if __name__ == "__main__":
    main()
