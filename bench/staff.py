"""Staff pages over 100,000 subscribers: the search page (its query, and the whole HTTP page), one subscriber's
file, the segment preview and the CSV export, on SQLite and, when RELAIS_BENCH_DATABASE_URL (or
RELAIS_TEST_DATABASE_URL) names one, PostgreSQL (``bench.support.pg_url``). Target (ours): a search page in ≤ 300 ms.

    python -m bench staff
    RELAIS_BENCH_ROWS=20000 python -m bench staff
    python -m bench --smoke staff   # 300 rows
"""

from __future__ import annotations

import os
import random
import re
import statistics
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.subscribers import make_csv
from bench.support import each_engine, print_results, size
from core.clock import FrozenClock
from core.model import Role
from core.settings import load_settings
from relais.web import build_web_context
from storage.database import Database
from storage.subscriber_search import SearchQuery
from subscribers.importer import import_csv
from subscribers.preferences import Choices
from subscribers.staff import StaffTools

ROOT = Path(__file__).resolve().parent.parent
SEARCH_TARGET_MS = 300.0
SEARCHES = [
    SearchQuery(),  # the first page of everybody
    SearchQuery(text="personne4242"),  # a fragment of an address
    SearchQuery(text="asso99.example"),  # a domain
    SearchQuery(text="n°777"),  # a fragment of a name
    SearchQuery(status="confirmed", organisation_type="education", page=20),
    SearchQuery(text="introuvable"),  # nothing matches: the whole table is scanned
]


def _ms(fn: Callable[[], object], repeat: int = 5) -> float:
    timings = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - t0) * 1000)
    return statistics.median(timings)


def run_on(name: str, db: Database, data: bytes, choices: Choices, settings_path: Path) -> list[tuple[str, ...]]:
    clock = FrozenClock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    report = import_csv(db, clock, data, choices, confirmed=True, basis="benchmark")
    middle = max(1, report.count("created") // 2)  # a subscriber that exists whatever RELAIS_BENCH_ROWS is
    tools = StaffTools(db, clock, choices)
    out: list[tuple[str, ...]] = []
    worst = max(_ms(lambda q=q: tools.search(q)) for q in SEARCHES)  # type: ignore[misc]
    out.append((name, f"search query, worst of {len(SEARCHES)}", f"{worst:.1f} ms", ""))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Starlette's TestClient announces its move to httpx2
        from starlette.testclient import TestClient

    from admin.accounts import add_user
    from admin.app import create_app

    settings = load_settings(settings_path, environ={})
    add_user(db, "staff@bench.example", Role.STAFF, "bench password 123", now=clock.now())
    app = create_app(build_web_context(settings, db, clock, secret_key="bench"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Starlette's TestClient announces its move to httpx2
        with TestClient(app) as client:
            login = client.get("/admin/login").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', login)
            assert csrf
            client.post("/admin/login", data={"email": "staff@bench.example", "password": "bench password 123",
                                               "csrf_token": csrf.group(1)})  # fmt: skip
            pages = {
                "search page (HTTP), fragment": "/admin/subscribers?q=personne4242",
                "search page (HTTP), no match": "/admin/subscribers?q=introuvable",
                "search page (HTTP), page 1000": "/admin/subscribers?page=1000",
                "one subscriber's file (HTTP)": f"/admin/subscribers/{middle}",
                "segment preview (HTTP)": "/admin/subscribers/segments?themes=eau&themes=sante&stream=emailing",
            }
            for label, url in pages.items():
                assert client.get(url).status_code == 200, url
                ms = _ms(lambda url=url: client.get(url))  # type: ignore[misc]
                verdict = _verdict(ms <= SEARCH_TARGET_MS, "≤ 300 ms") if "search" in label else ""
                out.append((name, label, f"{ms:.1f} ms", verdict))
            t0 = time.perf_counter()
            export = client.get("/admin/subscribers/export.csv")
            seconds, lines = time.perf_counter() - t0, export.content.count(b"\n") - 1
            out.append((name, f"CSV export, {lines:,} rows", f"{seconds:.2f} s", ""))
    return out


def _verdict(ok: bool, target: str) -> str:
    return f"{'ok' if ok else 'MISSED'} ({target})"


def main() -> None:
    rows = int(os.environ.get("RELAIS_BENCH_ROWS", str(size(100_000, 300))))
    settings_path = ROOT / "config.toml"
    choices = Choices.from_taxonomy(load_settings(settings_path, environ={}).taxonomy)
    data = make_csv(rows, choices, random.Random(3))
    results = []
    for engine, db in each_engine():
        results += run_on(engine, db, data, choices, settings_path)
    print_results(f"staff pages over {rows:,} subscribers", results)


if __name__ == "__main__":
    main()
