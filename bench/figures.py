"""Key figures at scale: 50,000 items and 2,000,000 ledger rows; the yearly figures must take ≤ 1 s.

``python -m bench figures`` builds the data once per engine (SQLite file under var/bench/, and PostgreSQL
database ``relais_figures`` when RELAIS_BENCH_PG_URL or the default local server answers), then times each
aggregate query of ``compute_key_figures`` for the year 2026 (best of three) and prints a table.
Bulk loading uses executemany (SQLite) and COPY (PostgreSQL), in the bench only.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.support import wipe
from core.model import IssueKind, ItemKind
from core.settings import TaxonomySettings, Term
from figures.compute import compute_key_figures
from figures.period import year
from storage.database import Database
from storage.migrate import upgrade

N_ITEMS = 50_000
N_DELIVERIES = 2_000_000
N_SUBSCRIBERS = 20_000
PG_URL = os.environ.get("RELAIS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/relais_figures")
SQLITE_PATH = Path("var/bench/figures.db")
Y0 = datetime(2025, 1, 1, tzinfo=UTC)
THEMES = ["ecsi", "sante", "eau", "agriculture", "climat", "education", "jeunesse", "economie"]
ZONES = ["afrique-subsaharienne", "maghreb", "asie", "amerique-latine", "europe", "france"]
TERRITORIES = ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"]
TAXONOMY = TaxonomySettings(
    themes=[Term(t, t.title()) for t in THEMES],
    zones=[Term(z, z.title()) for z in ZONES],
    territories=[Term(t, t) for t in TERRITORIES],
)


def _at(rng: random.Random, days: int = 730) -> str:
    return (Y0 + timedelta(seconds=rng.randrange(days * 86400))).strftime("%Y-%m-%d %H:%M:%S.%f")


def tables(seed: int = 8) -> Iterator[tuple[str, list[str], list[tuple[Any, ...]]]]:
    """(table, columns, rows) in insertion order; times as naive UTC text, JSON as text."""
    rng = random.Random(seed)
    yield (
        "sources",
        ["id", "name", "url", "kind", "item_kind", "every_seconds", "tags", "official", "enabled", "options",
         "origin", "consecutive_failures", "runs", "not_modified_runs", "zero_item_runs", "last_items", "last_run_at"],
        [(i, f"s{i}", f"https://s{i}.example", "feed", "news", 21600, "[]", False, True, "{}", "config",
          rng.choice([0, 0, 0, 3]), 0, 0, 0, 0, _at(rng)) for i in range(1, 81)],
    )  # fmt: skip
    items, events = [], []
    for i in range(1, N_ITEMS + 1):
        collected = Y0 + timedelta(seconds=rng.randrange(730 * 86400))
        approved = collected + timedelta(hours=rng.randint(1, 400)) if rng.random() < 0.5 else None
        tags = rng.sample(THEMES, rng.randint(0, 2)) + rng.sample(ZONES, rng.randint(0, 2))
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        items.append(
            (i, rng.choice(list(ItemKind)).value, f"item {i}", "", "", "approved" if approved else "new",
             collected.strftime(fmt), approved.strftime(fmt) if approved else None, rng.choice(TERRITORIES),
             json.dumps(tags), "[]", False, "", "{}")
        )  # fmt: skip
        if approved:
            events.append((len(events) + 1, i, approved.strftime(fmt), "editor@x", "approved", "{}"))
        elif rng.random() < 0.5:
            events.append((len(events) + 1, i, _at(rng), "editor@x", "rejected", "{}"))
    yield (
        "items",
        ["id", "kind", "title", "summary", "body_html", "status", "collected_at", "approved_at", "territory",
         "tags", "suggested_tags", "featured", "editor_note", "field_origins"],
        items,
    )  # fmt: skip
    yield "item_events", ["id", "item_id", "at", "actor", "action", "changes"], events
    issues, links = [], []
    approved_ids = [it[0] for it in items if it[7]]
    for n in range(1, 243):  # two years: 11 newsletters and 110 emailings each
        kind = IssueKind.NEWSLETTER if n % 11 == 0 else IssueKind.EMAILING
        sent = Y0 + timedelta(days=(n - 1) * 730 / 242, hours=9)
        issues.append(
            (n, kind.value, n, f"n°{n}", "s", "", "newsletter", "{}", "sent", sent.strftime("%Y-%m-%d %H:%M:%S"))
        )
        links += [(n, item_id, "s", p) for p, item_id in enumerate(rng.sample(approved_ids, 30))]
    yield (
        "issues",
        ["id", "kind", "number", "title", "subject", "editorial", "template", "audience", "status", "sent_at"],
        issues,
    )
    # one issue_items row per (issue, item): sampling may repeat an item in another issue, not in one
    yield "issue_items", ["issue_id", "item_id", "section", "position"], links
    yield (
        "subscribers",
        ["id", "email", "status", "preferences", "locale", "soft_bounces", "token_version"],
        [(i, f"p{i}@example.org", "confirmed", "{}", "fr", 0, 0) for i in range(1, N_SUBSCRIBERS + 1)],
    )
    consent = []
    for i in range(1, N_SUBSCRIBERS + 1):
        consent.append((len(consent) + 1, i, f"{i:064x}", _at(rng), "confirm", "form", "{}"))
        if rng.random() < 0.2:
            consent.append((len(consent) + 1, i, f"{i:064x}", _at(rng), "unsubscribe", "link", '{"stream": "all"}'))
    yield "consent_events", ["id", "subscriber_id", "email_hash", "at", "action", "origin", "details"], consent
    yield (
        "bounces",
        ["id", "subscriber_id", "at", "kind", "origin", "detail"],
        [
            (i, rng.randint(1, N_SUBSCRIBERS), _at(rng), rng.choice(["hard", "soft", "complaint"]), "dsn", "")
            for i in range(1, 5001)
        ],
    )


def deliveries(seed: int = 9) -> Iterator[tuple[Any, ...]]:
    """2,000,000 ledger rows, all for the 121 issues of 2026 (the year measured): ~16,500 messages each."""
    rng = random.Random(seed)
    first = 122  # issues 122..242 are sent in 2026
    per_issue = -(-N_DELIVERIES // (243 - first))
    did = 0
    for issue in range(first, 243):
        sent = Y0 + timedelta(days=(issue - 1) * 730 / 242, hours=9)
        for sub in rng.sample(range(1, N_SUBSCRIBERS + 1), per_issue):
            did += 1
            status = "accepted" if rng.random() < 0.95 else rng.choice(["bounced", "failed"])
            finished = (sent + timedelta(seconds=rng.randrange(7200))).strftime("%Y-%m-%d %H:%M:%S")
            yield (did, issue, sub, f"p{sub}@example.org", "all", f"<{did}@relais>", status, 1, finished)
            if did >= N_DELIVERIES:
                return


DELIVERY_COLUMNS = [
    "id",
    "issue_id",
    "subscriber_id",
    "email",
    "segment",
    "message_id",
    "status",
    "attempts",
    "finished_at",
]


def build(db: Database) -> float:
    t0 = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if db.dialect == "sqlite":
            for name, cols, rows in [*tables(), ("deliveries", DELIVERY_COLUMNS, list(deliveries()))]:
                marks = ", ".join("?" for _ in cols)
                cur.executemany(f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({marks})", rows)
        else:
            for name, cols, rows in [*tables(), ("deliveries", DELIVERY_COLUMNS, deliveries())]:
                with cur.copy(f"COPY {name} ({', '.join(cols)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for r in rows:
                        copy.write_row(r)
        raw.commit()
    finally:
        raw.close()
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
        db = Database(PG_URL)
        try:
            db.ping()
        except Exception as exc:
            print(f"PostgreSQL skipped: {exc}")
            return None
        wipe(db)
    upgrade(db)
    return db


def reuse(engine: str) -> Database | None:
    """With RELAIS_BENCH_REUSE=1: the data of the previous run, if it is complete."""
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
