"""Key figures at scale: 50,000 items and 2,000,000 ledger rows; the yearly figures must take ≤ 1 s.

``python -m bench figures`` builds the data once per engine (SQLite file under var/bench/, and PostgreSQL
database ``relais_figures`` when RELAIS_BENCH_PG_URL or the default local server answers), then times each
aggregate query of ``compute_key_figures`` for the year 2026 (best of three) and prints a table.
Rows are built as {column: value} over ``storage.tables`` (every column left out takes the schema's default; a
column that no longer exists fails by name) and loaded by the storage layer's own bulk insert (COPY on
PostgreSQL, executemany on SQLite). At the smoke size (``--smoke``): 500 items, 5,000 deliveries, and the
PostgreSQL database of ``bench.support.pg_url`` (none: SQLite alone).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, text

from bench.support import ensure_database, insert_rows, pg_url, size, smoke, wipe
from core.model import IssueKind, ItemKind
from core.settings import TaxonomySettings, Term
from figures.compute import compute_key_figures
from figures.period import year
from storage.database import Database
from storage.migrate import upgrade
from storage.networks import FIRST_NETWORK
from storage.tables import (
    BounceRow,
    ConsentEventRow,
    DeliveryRow,
    IssueItemRow,
    IssueRow,
    ItemEventRow,
    ItemRow,
    SourceRow,
    SubscriberRow,
)

N_ITEMS = size(50_000, 500)
N_DELIVERIES = size(2_000_000, 5_000)
N_SUBSCRIBERS = size(20_000, 200)
N_BOUNCES = size(5_000, 50)
IN_ISSUE = size(30, 5)  # items per issue
PG_URL = os.environ.get("RELAIS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/relais_figures")
SQLITE_PATH = Path("var/bench/figures-smoke.db" if smoke() else "var/bench/figures.db")
Y0 = datetime(2025, 1, 1, tzinfo=UTC)
THEMES = ["ecsi", "sante", "eau", "agriculture", "climat", "education", "jeunesse", "economie"]
ZONES = ["afrique-subsaharienne", "maghreb", "asie", "amerique-latine", "europe", "france"]
TERRITORIES = ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"]
TAXONOMY = TaxonomySettings(
    themes=[Term(t, t.title()) for t in THEMES],
    zones=[Term(z, z.title()) for z in ZONES],
    territories=[Term(t, t) for t in TERRITORIES],
)
Rows = Iterator[dict[str, Any]]


def _at(rng: random.Random, days: int = 730) -> datetime:
    return Y0 + timedelta(seconds=rng.randrange(days * 86400))


def tables(seed: int = 8) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
    """(table, rows) in insertion order; every other column takes its default from ``storage.tables``."""
    rng = random.Random(seed)
    sources = [
        {"id": i, "name": f"s{i}", "url": f"https://s{i}.example", "kind": "feed", "item_kind": "news",
         "consecutive_failures": rng.choice([0, 0, 0, 3]), "last_run_at": _at(rng)}
        for i in range(1, 81)
    ]  # fmt: skip
    yield SourceRow.__table__, sources  # type: ignore[misc]
    items: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for i in range(1, N_ITEMS + 1):
        collected = _at(rng)
        approved = collected + timedelta(hours=rng.randint(1, 400)) if rng.random() < 0.5 else None
        # a département is a tag (migration 0008), like the themes and zones
        tags = rng.sample(THEMES, rng.randint(0, 2)) + rng.sample(ZONES, rng.randint(0, 2))
        tags.append(rng.choice(TERRITORIES))
        items.append(
            {"id": i, "network_id": FIRST_NETWORK, "kind": rng.choice(list(ItemKind)).value, "title": f"item {i}",
             "status": "approved" if approved else "new", "collected_at": collected, "approved_at": approved,
             "tags": tags}
        )  # fmt: skip
        if approved:
            events.append({"id": len(events) + 1, "item_id": i, "at": approved, "actor": "editor@x",
                           "action": "approved"})  # fmt: skip
        elif rng.random() < 0.5:
            events.append({"id": len(events) + 1, "item_id": i, "at": _at(rng), "actor": "editor@x",
                           "action": "rejected"})  # fmt: skip
    yield ItemRow.__table__, items  # type: ignore[misc]
    yield ItemEventRow.__table__, events  # type: ignore[misc]
    issues, links = [], []
    approved_ids = [it["id"] for it in items if it["approved_at"]]
    for n in range(1, 243):  # two years: 11 newsletters and 110 emailings each
        kind = IssueKind.NEWSLETTER if n % 11 == 0 else IssueKind.EMAILING
        sent = Y0 + timedelta(days=(n - 1) * 730 / 242, hours=9)
        issues.append({"id": n, "network_id": FIRST_NETWORK, "kind": kind.value, "number": n, "title": f"n°{n}",
                       "subject": "s", "status": "sent", "sent_at": sent})  # fmt: skip
        # one issue_items row per (issue, item): sampling may repeat an item in another issue, not in one
        links += [{"issue_id": n, "item_id": item_id, "section": "s", "position": p}
                  for p, item_id in enumerate(rng.sample(approved_ids, IN_ISSUE))]  # fmt: skip
    yield IssueRow.__table__, issues  # type: ignore[misc]
    yield IssueItemRow.__table__, links  # type: ignore[misc]
    subscribers = [{"id": i, "network_id": FIRST_NETWORK, "email": f"p{i}@example.org", "status": "confirmed"}
                   for i in range(1, N_SUBSCRIBERS + 1)]  # fmt: skip
    yield SubscriberRow.__table__, subscribers  # type: ignore[misc]
    consent: list[dict[str, Any]] = []
    for i in range(1, N_SUBSCRIBERS + 1):
        consent.append({"id": len(consent) + 1, "network_id": FIRST_NETWORK, "subscriber_id": i,
                        "email_hash": f"{i:064x}", "at": _at(rng), "action": "confirm", "origin": "form"})  # fmt: skip
        if rng.random() < 0.2:
            consent.append({"id": len(consent) + 1, "network_id": FIRST_NETWORK, "subscriber_id": i,
                            "email_hash": f"{i:064x}", "at": _at(rng), "action": "unsubscribe", "origin": "link",
                            "details": {"stream": "all"}})  # fmt: skip
    yield ConsentEventRow.__table__, consent  # type: ignore[misc]
    bounces = [
        {"id": i, "subscriber_id": rng.randint(1, N_SUBSCRIBERS), "at": _at(rng),
         "kind": rng.choice(["hard", "soft", "complaint"]), "origin": "dsn"}
        for i in range(1, N_BOUNCES + 1)
    ]  # fmt: skip
    yield BounceRow.__table__, bounces  # type: ignore[misc]


def deliveries(seed: int = 9) -> Rows:
    """2,000,000 ledger rows, all for the 121 issues of 2026 (the year measured): ~16,500 messages each."""
    rng = random.Random(seed)
    first = 122  # issues 122..242 are sent in 2026
    per_issue = min(N_SUBSCRIBERS, -(-N_DELIVERIES // (243 - first)))
    did = 0
    for issue in range(first, 243):
        sent = Y0 + timedelta(days=(issue - 1) * 730 / 242, hours=9)
        for sub in rng.sample(range(1, N_SUBSCRIBERS + 1), per_issue):
            did += 1
            status = "accepted" if rng.random() < 0.95 else rng.choice(["bounced", "failed"])
            yield {"id": did, "issue_id": issue, "subscriber_id": sub, "email": f"p{sub}@example.org",
                   "segment": "all", "message_id": f"<{did}@relais>", "status": status, "attempts": 1,
                   "finished_at": sent + timedelta(seconds=rng.randrange(7200))}  # fmt: skip
            if did >= N_DELIVERIES:
                return


def build(db: Database) -> float:
    t0 = time.perf_counter()
    for table, rows in tables():
        insert_rows(db, table, rows)
    insert_rows(db, DeliveryRow.__table__, deliveries())  # type: ignore[arg-type]
    # statistics (and, on PostgreSQL, the visibility map that index-only scans need), as autovacuum would do
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE" if db.dialect == "sqlite" else "VACUUM ANALYZE"))
    return time.perf_counter() - t0


def fresh(engine: str) -> Database | None:
    """An empty migrated database on ``engine``; None when PostgreSQL is unreachable."""
    if engine == "sqlite":
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        db = Database(f"sqlite:///{SQLITE_PATH}")
    else:
        url = pg_url() if smoke() else PG_URL
        if not url:
            print("PostgreSQL: not measured (no RELAIS_TEST_DATABASE_URL or RELAIS_BENCH_DATABASE_URL)")
            return None
        try:
            db = Database(ensure_database(url))  # a new machine's server has only ``test``
            db.ping()
        except Exception as exc:
            if smoke():
                raise
            print(f"PostgreSQL: not measured ({exc})")
            return None
        wipe(db)
    upgrade(db)
    return db


def reuse(engine: str) -> Database | None:
    """With RELAIS_BENCH_REUSE=1: the data of the previous run, if it is complete."""
    if smoke():
        return None
    db = Database(f"sqlite:///{SQLITE_PATH}" if engine == "sqlite" else PG_URL)
    try:
        with db.engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM deliveries")).scalar() == N_DELIVERIES:
                return db
    except Exception:
        pass
    db.dispose()
    return None


def measure(db: Database, runs: int = 3) -> tuple[dict[str, float], float, float]:
    """Best of ``runs`` (the machine is shared and noisy): per-query wall times, total wall and CPU seconds.

    CPU time is this process's only: on SQLite it is the whole query work, on PostgreSQL the client side.
    """
    compute_key_figures(db, year(2026), TAXONOMY)  # warm the cache once, as a running server would be
    best: tuple[dict[str, float], float, float] | None = None
    for _ in range(runs):
        timings: dict[str, float] = {}
        t0, c0 = time.perf_counter(), time.process_time()
        compute_key_figures(db, year(2026), TAXONOMY, on_query=timings.__setitem__)
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
        if best is None or total < best[1]:
            best = (timings, total, cpu)
    assert best is not None
    return best


def main() -> None:
    results: dict[str, tuple[dict[str, float], float, float, float]] = {}
    for engine in ("sqlite", "postgresql"):
        db = reuse(engine) if os.environ.get("RELAIS_BENCH_REUSE") else None
        load = 0.0
        if db is None:
            db = fresh(engine)
            if db is None:
                continue
            load = build(db)
        timings, total, cpu = measure(db)
        results[engine] = (timings, total, cpu, load)
        db.dispose()
    names = list(next(iter(results.values()))[0])
    engines = list(results)
    print(f"\nkey figures, year 2026: {N_ITEMS:,} items, {N_DELIVERIES:,} deliveries (ms)")
    print(f"| query | {' | '.join(engines)} |")
    print(f"|---|{'---|' * len(engines)}")
    for n in names:
        print(f"| {n} | {' | '.join(f'{results[e][0][n] * 1000:.1f}' for e in engines)} |")
    print(f"| **total (target ≤ 1000)** | {' | '.join(f'**{results[e][1] * 1000:.0f}**' for e in engines)} |")
    print(f"| CPU of this process | {' | '.join(f'{results[e][2] * 1000:.0f}' for e in engines)} |")
    print(f"| bulk load (s, 0 if reused) | {' | '.join(f'{results[e][3]:.1f}' for e in engines)} |")
    print(f"load average while measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
