"""Relais in production under load: ``python -m bench load [--clients=50] [--seconds=60] [--engines=…] [--workers=2]``.

For each engine: a real ``relais serve --workers 2`` (the bench's config: SMTP to Postfix's ``smtp-sink``,
``behind_proxy = true`` so each client's X-Forwarded-For counts as its address, sign-ups per address raised so
one busy client is not refused), 2,000 items and 5,000 confirmed subscribers, a newsletter sent to all of them by
``relais digest send`` while, from a second process (``bench.load_mix``), C clients for S seconds triage,
approve, sign up and unsubscribe. Then: every sign-up, unsubscribe and approval is looked up in the database, the
ledger is counted and ``relais db check`` must be clean. Both engines' figures are printed side by side, then
issue 17's targets with a verdict (PostgreSQL at least SQLite's requests per second, p95 ≤ 400 ms on each, the
one-click unsubscribe's p95 ≤ 150 ms).

``--smoke``: 100 items, 100 subscribers, 4 clients for 3 s, one web worker, PostgreSQL from ``bench.support.pg_url``
(none: SQLite alone), an engine that fails fails the run; without Postfix's ``smtp-sink``, the outbox instead.

The bottom of this module is also the triage benchmark's client: ``python -m bench.load URL EMAIL PASSWORD …``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text

from bench.support import ensure_database, pg_url, size, smoke, tool

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("RELAIS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/relais_prod")
N_ITEMS, N_SUBSCRIBERS, N_IN_ISSUE = size(2_000, 100), size(5_000, 100), size(30, 5)
SINK = "/usr/sbin/smtp-sink"
WORKERS = size(2, 1)  # web processes
EDITOR, PASSWORD = "redaction@resacoop.example", "mot de passe du banc d'essai"
KINDS = ["funding", "call", "event", "training", "job", "news"]
TOPICS = ["solidarité internationale", "eau potable", "santé communautaire", "agroécologie", "jeunesse", "ECSI"]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(
    tmp: Path, url: str, smtp_port: int, web_port: int, backend: str = "smtp", workers: int = WORKERS
) -> Path:
    cfg = tmp / "config.toml"
    cfg.write_text(
        f"""[network]
base_url = "http://127.0.0.1:{web_port}"
[database]
url = "{url}"
[mail]
backend = "{backend}"
outbox_dir = "outbox"
count_clicks = false   # click links would point at base_url, 127.0.0.1, which the pre-send checks rightly refuse
  [mail.smtp]
  host = "127.0.0.1"
  port = {smtp_port}
  security = "none"
  connections = 8
[web]
host = "127.0.0.1"
port = {web_port}
workers = {workers}
behind_proxy = true
secret_key = "{"b" * 48}"
[logging]
level = "info"
[scheduler]
enabled = false   # the send is started by 'relais digest send' at the same moment as the load
[subscribers]
signup_rate_per_ip_per_hour = 100000   # one client signs up dozens of addresses a minute: not a bot here
""",
        encoding="utf-8",
    )
    return cfg


def relais(cfg: Path, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "relais", "--config", str(cfg), *args], capture_output=True, text=True, cwd=ROOT, **kw
    )


def seed(cfg: Path) -> dict[str, Any]:
    """Items, subscribers, an editor and an approved newsletter; returns what the clients and checks need."""
    from admin.accounts import add_user
    from core.model import Role
    from relais.wiring import build_subscribers, digest_service, load
    from storage.networks import FIRST_NETWORK
    from storage.tables import ItemRow, SubscriberRow

    svc = load(str(cfg))
    now = svc.clock.now()
    rnd = random.Random(9)
    with svc.db.engine.begin() as conn:
        items = []
        for i in range(1, N_ITEMS + 1):
            topic = rnd.choice(TOPICS)
            approved = i <= N_IN_ISSUE
            items.append({
                "id": i, "network_id": FIRST_NETWORK, "kind": rnd.choice(KINDS), "title": f"Appel {topic} n°{i}",
                "url": f"https://asso.example.org/{i}",
                "summary": f"Un dispositif pour les associations : {topic}.", "body_html": "",
                "status": "approved" if approved else "new", "collected_at": now - timedelta(minutes=i),
                "approved_at": now - timedelta(hours=1) if approved else None,
                "approved_by": EDITOR if approved else None,
                "deadline": (now + timedelta(days=rnd.randint(10, 120))).date() if rnd.random() < 0.5 else None,
                "tags": rnd.sample(["eau", "sante", "ecsi"], 1) + rnd.sample(["69", "38", "63"], rnd.randint(0, 1)),
                "suggested_tags": [], "featured": False, "editor_note": "", "field_origins": {},
            })  # fmt: skip
        conn.execute(insert(ItemRow), items)
        conn.execute(insert(SubscriberRow), [
            {"id": n, "network_id": FIRST_NETWORK, "email": f"abonne{n}@membres.example.org", "status": "confirmed",
             "preferences": {},
             "locale": "fr", "created_at": now - timedelta(days=30), "confirmed_at": now - timedelta(days=29),
             "legal_basis": "consent", "soft_bounces": 0, "token_version": 0, "mask_kinds": 0, "mask_themes": 0,
             "mask_zones": 0, "mask_territories": 0, "mask_streams": 0}
            for n in range(1, N_SUBSCRIBERS + 1)
        ])  # fmt: skip
        if svc.db.dialect == "postgresql":
            conn.execute(text("SELECT setval('items_id_seq', (SELECT max(id) FROM items))"))
            conn.execute(text("SELECT setval('subscribers_id_seq', (SELECT max(id) FROM subscribers))"))
    add_user(svc.db, EDITOR, Role.EDITOR, PASSWORD, now=now)
    digest = digest_service(svc)
    issue = digest.build_newsletter(by=EDITOR)
    assert issue.id is not None
    digest.approve(issue.id, at=now, by=EDITOR)
    links = build_subscribers(svc).links
    # Half the subscribers may unsubscribe during the test: more than 60 s of clients can use.
    tokens = [(n, links.token("unsubscribe", n)) for n in range(1, N_SUBSCRIBERS // 2 + 1)]
    svc.close()
    return {"issue": issue.id, "entries": len(issue.entries), "approve_ids": list(range(N_IN_ISSUE + 1, N_ITEMS + 1)),
            "unsubscribe_tokens": tokens}  # fmt: skip


def wait_healthy(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"relais serve exited with {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("relais serve did not answer /healthz in 60 s")


def verify(cfg: Path, issue: int, result: dict[str, Any]) -> dict[str, Any]:
    """What the database says afterwards: every client-side success must be found there."""
    from relais.wiring import load
    from storage.tables import DeliveryRow, IssueRow, ItemRow, SubscriberRow

    svc = load(str(cfg))
    with svc.db.session() as s:
        signed = set(s.scalars(select(SubscriberRow.email).where(SubscriberRow.email.in_(result["signed_up"]))))
        unsub = set(s.scalars(select(SubscriberRow.id).where(
            SubscriberRow.id.in_(result["unsubscribed"]), SubscriberRow.status == "unsubscribed")))  # fmt: skip
        approved = set(
            s.scalars(select(ItemRow.id).where(ItemRow.id.in_(result["approved"]), ItemRow.status == "approved"))
        )
        ledger = dict(s.execute(select(DeliveryRow.status, func.count()).where(DeliveryRow.issue_id == issue)
                                .group_by(DeliveryRow.status)).all())  # fmt: skip
        status = s.scalar(select(IssueRow.status).where(IssueRow.id == issue))
    svc.close()
    check = relais(cfg, "db", "check")
    return {
        "signed_up": (len(result["signed_up"]), len(signed)),
        "unsubscribed": (len(result["unsubscribed"]), len(unsub)),
        "approved": (len(result["approved"]), len(approved)),
        "ledger": {str(k): int(v) for k, v in ledger.items()},
        "issue_status": status,
        "db_check": "clean" if check.returncode == 0 else (check.stdout + check.stderr).strip()[:300],
    }


def run_engine(engine: str, clients: int, seconds: int, workers: int = WORKERS) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmpname:
        tmp = Path(tmpname)
        if engine == "sqlite":
            url = f"sqlite:///{tmp / 'relais.db'}"
        else:  # created when missing: a new machine's server has only ``test``
            url = pg_url() if smoke() else ensure_database(PG_URL)
        if engine == "postgresql":
            from bench.support import wipe
            from storage.database import Database

            db = Database(url)
            wipe(db)
            db.dispose()
        smtp_port, web_port = free_port(), free_port()
        sink_path = tool(SINK, "postfix", "smtp-sink (the outbox instead)")
        cfg = write_config(tmp, url, smtp_port, web_port, "smtp" if sink_path else "outbox", workers)
        up = relais(cfg, "db", "upgrade")
        if up.returncode != 0:
            raise RuntimeError(up.stderr)
        plan = seed(cfg)
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        sink = subprocess.Popen([sink_path, *user, f"127.0.0.1:{smtp_port}", "100"]) if sink_path else None
        log = (tmp / "serve.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "relais", "--config", str(cfg), "serve", "--workers", str(workers)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_healthy(web_port, server)
            plan_file = tmp / "plan.json"
            plan_file.write_text(json.dumps({
                "url": f"http://127.0.0.1:{web_port}", "email": EDITOR, "password": PASSWORD, "clients": clients,
                "seconds": seconds, "approve_ids": plan["approve_ids"],
                "unsubscribe_tokens": plan["unsubscribe_tokens"], "ready_file": str(tmp / "ready"),
            }), encoding="utf-8")  # fmt: skip
            load = subprocess.Popen([sys.executable, "-m", "bench.load_mix", str(plan_file)], cwd=ROOT,
                                    stdout=subprocess.PIPE, text=True)  # fmt: skip
            while not (tmp / "ready").exists():  # every client logged in: the timed window opens
                if load.poll() is not None:
                    raise RuntimeError(f"the load client failed ({load.returncode})")
                time.sleep(0.1)
            t0 = time.monotonic()
            cpu0 = cpu_seconds(server.pid)
            sender = subprocess.Popen(
                [sys.executable, "-m", "relais", "--config", str(cfg),
                 "digest", "send", str(plan["issue"]), "--yes"],
                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
            send_out, _ = sender.communicate(timeout=900)
            send_s = time.monotonic() - t0
            out, _ = load.communicate(timeout=seconds + 300)
            cpu1 = cpu_seconds(server.pid)
            if load.returncode != 0:
                raise RuntimeError(f"the load client failed ({load.returncode})")
            result: dict[str, Any] = json.loads(out)
            result["cpu"] = {k: cpu1[k] - cpu0[k] for k in cpu0}
            result["pools"] = {"approve": len(plan["approve_ids"]), "unsubscribe": len(plan["unsubscribe_tokens"])}
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            if sink is not None:
                sink.terminate()
                sink.wait(timeout=10)
            log.close()
            kept = Path(tempfile.gettempdir()) / f"relais-load-{engine}.log"
            kept.write_bytes((tmp / "serve.log").read_bytes())  # the server's log, for a look after the run
        result["send"] = {
            "seconds": send_s,
            "returncode": sender.returncode,
            "last_line": send_out.strip().splitlines()[-1:],
        }
        result["server_exit"] = server.returncode
        result["server_log"] = str(kept)
        result["check"] = verify(cfg, plan["issue"], result)
        return result


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the web workers (the server's process tree) and by the
    PostgreSQL server's processes (every ``postgres`` process of the machine: on a bench machine, this run's)."""
    import psutil  # the bench extra

    def used(procs: list[psutil.Process]) -> float:
        total = 0.0
        for proc in procs:
            try:
                t = proc.cpu_times()
            except psutil.Error:  # gone meanwhile
                continue
            total += t.user + t.system
        return total

    server = psutil.Process(server_pid)
    postgres = [p for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith("postgres")]
    return {"web": used([server, *server.children(recursive=True)]), "postgres": used(postgres)}


def report(rows: list[tuple[str, dict[str, Any]]], clients: int, seconds: int, workers: int = WORKERS) -> None:
    print(f"\nRelais under load: {clients} clients for {seconds} s from a second process, {workers} web worker(s), "
          f"{N_ITEMS:,} items, a newsletter to {N_SUBSCRIBERS:,} subscribers sent meanwhile")  # fmt: skip
    print(f"load average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| engine | kind | requests | errors | p50 (ms) | p95 (ms) | p99 (ms) |")
    print("|---|---|---|---|---|---|---|")
    for engine, r in rows:
        for kind, k in r["kinds"].items():
            ms = " | ".join(f"{k[q]:.0f}" for q in ("p50", "p95", "p99"))
            print(f"| {engine} | {kind} | {k['requests']} | {k['errors']} | {ms} |")
        a = r["all"]
        print(f"| {engine} | **all** ({r['rps']:.0f} req/s) | {r['requests']} | {r['errors']} | {a['p50']:.0f} | "
              f"{a['p95']:.0f} | {a['p99']:.0f} |")  # fmt: skip
    print(
        "\n| engine | sign-ups done/found | unsubscribes done/found | approvals done/found | send | ledger | db check |"
    )
    print("|---|---|---|---|---|---|---|")
    for engine, r in rows:
        c = r["check"]
        ledger = ", ".join(f"{n} {st}" for st, n in sorted(c["ledger"].items()))
        send = f"{c['issue_status']} in {r['send']['seconds']:.0f} s"
        print(f"| {engine} | {c['signed_up'][0]}/{c['signed_up'][1]} | {c['unsubscribed'][0]}/{c['unsubscribed'][1]} | "
              f"{c['approved'][0]}/{c['approved'][1]} | {send} | {ledger} | {c['db_check']} |")  # fmt: skip
    print("\nCPU per request over the timed window (user + system; steadier than req/s on a shared machine):")
    for engine, r in rows:
        cpu, n = r["cpu"], max(r["requests"], 1)
        pg = f", PostgreSQL server {1000 * cpu['postgres'] / n:.2f} ms" if engine == "postgresql" else ""
        print(f"- {engine}: web workers {1000 * cpu['web'] / n:.2f} ms{pg}")
    for engine, r in rows:
        for kind, pool in r["pools"].items():
            if r["kinds"].get(kind, {}).get("requests", 0) >= pool:  # the mix changed: compare such runs with care
                print(f"- {engine}: every {kind} of the plan ({pool:,}) was used before the end; the clients' "
                      f"later draws of {kind} were triage pages")  # fmt: skip
    targets(rows)
    for engine, r in rows:
        if r["error_samples"]:
            print(f"{engine}: first errors: {'; '.join(r['error_samples'])}")
        if r["send"]["returncode"] != 0:
            print(f"{engine}: the send exited {r['send']['returncode']}: {r['send']['last_line']}")


P95_MS, ONE_CLICK_P95_MS = 400, 150  # issue 17's targets


def targets(rows: list[tuple[str, dict[str, Any]]]) -> None:
    """Issue 17's targets beside this run's figures: PostgreSQL serves at least SQLite's requests per second, p95
    at most 400 ms on each engine, the one-click unsubscribe's p95 at most 150 ms."""
    got = dict(rows)
    print("\n| target (issue 17) | postgresql | sqlite | verdict |")
    print("|---|---|---|---|")
    pg, lite = got.get("postgresql"), got.get("sqlite")
    if pg is not None and lite is not None:
        ratio = pg["rps"] / lite["rps"] if lite["rps"] else 0.0
        verdict = "met" if ratio >= 1 else "NOT met"
        print(f"| req/s, PostgreSQL ≥ SQLite | {pg['rps']:.0f} | {lite['rps']:.0f} | {ratio:.2f}× — {verdict} |")

    def row(label: str, value: Any, limit: int) -> None:
        cells = [f"{value(got[e]):.0f}" if e in got else "–" for e in ("postgresql", "sqlite")]
        ok = all(value(r) <= limit for r in got.values())
        print(f"| {label} ≤ {limit} ms | {cells[0]} | {cells[1]} | {'met' if ok else 'NOT met'} |")

    row("p95, all requests", lambda r: r["all"]["p95"], P95_MS)
    row("p95, one-click unsubscribe", lambda r: r["kinds"]["unsubscribe"]["p95"], ONE_CLICK_P95_MS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench load")
    parser.add_argument("--clients", type=int, default=size(50, 4))
    parser.add_argument("--seconds", type=int, default=size(60, 3))
    parser.add_argument("--engines", default="postgresql,sqlite" if not smoke() or pg_url() else "sqlite")
    parser.add_argument("--workers", type=int, default=WORKERS, help="web processes (relais serve --workers)")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    rows = []
    for engine in args.engines.split(","):
        try:
            rows.append((engine, run_engine(engine, args.clients, args.seconds, args.workers)))
        except Exception as exc:  # one engine's failure must not hide the other's figures
            if smoke():
                raise
            print(f"{engine}: FAILED ({type(exc).__name__}: {str(exc).strip().splitlines()[-1:]})", file=sys.stderr)
    report(rows, args.clients, args.seconds, args.workers)
    broken = [e for e, r in rows if r["send"]["returncode"] != 0 or r["check"]["db_check"] != "clean"]
    if smoke() and broken:  # the smoke run times nothing, but the send must have run and the ledger agree
        raise SystemExit(f"load: the send failed or db check is not clean on {', '.join(broken)}")


# -- the triage benchmark's client ------------------------------------------------------------------------------


async def session(base: str, email: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    page = await client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    r = await client.post("/admin/login", data={"email": email, "password": password, "csrf_token": token.group(1)})
    assert r.status_code in {200, 303}, r.text
    return client


async def run_paths(
    base: str, email: str, password: str, clients: int, total: int, paths: list[str]
) -> dict[str, object]:
    pool = [await session(base, email, password) for _ in range(clients)]
    for c in pool:  # warm up: templates compiled, connections open, caches filled
        for p in paths:
            await c.get(p)
    times: list[float] = []
    per_path: dict[str, list[float]] = {p: [] for p in paths}
    errors = 0
    queue = list(range(total))

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while queue:
            n = queue.pop()
            path = paths[n % len(paths)]
            t0 = time.perf_counter()
            r = await client.get(path)
            ms = (time.perf_counter() - t0) * 1000
            if r.status_code != 200:
                errors += 1
            times.append(ms)
            per_path[path].append(ms)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in pool))
    elapsed = time.perf_counter() - t0
    for c in pool:
        await c.aclose()
    times.sort()
    return {
        "requests": len(times),
        "rps": len(times) / elapsed,
        "median_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "max_ms": times[-1],
        "errors": errors,
        "per_path": {p: statistics.median(v) for p, v in per_path.items() if v},
    }


def client(argv: list[str]) -> None:
    """The triage benchmark's client (``python -m bench.load URL EMAIL PASSWORD CLIENTS REQUESTS PATH...``)."""
    base, email, password, clients, total, *paths = argv
    print(json.dumps(asyncio.run(run_paths(base, email, password, int(clients), int(total), paths))))


if __name__ == "__main__":
    client(sys.argv[1:])
