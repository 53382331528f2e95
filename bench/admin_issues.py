"""The staff's issue pages at scale: 60 approved items, 20,000 confirmed subscribers with varied preferences (a
few hundred segments), a newsletter draft, and a sent emailing whose ledger holds 20,000 rows.

``python -m bench admin_issues`` builds the data once in a SQLite file (var/bench/admin_issues.db), logs in as
staff through the app (in-process, Starlette's TestClient) and times each page (best of three; the segment and
confirmation pages, which render every segment, once). Targets: the pages staff keep open (list, issue,
ledger) under 300 ms; the progress block, polled every 2 s by each open tab, under 50 ms. When
``bench.support.pg_url`` names a PostgreSQL database, the same pages on it. ``--smoke``: 12 items, 200 subscribers.
"""

from __future__ import annotations

import random
import re
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from admin.accounts import add_user
from admin.app import create_app
from bench.support import fresh_database, pg_url, size
from core.clock import FrozenClock
from core.model import (
    Delivery,
    DeliveryStatus,
    Issue,
    IssueKind,
    IssueStatus,
    Item,
    ItemKind,
    ItemSource,
    ItemStatus,
    Preferences,
    Role,
    Source,
    SourceKind,
    Subscriber,
    SubscriberStatus,
)
from core.settings import NetworkSettings, Settings, TaxonomySettings, Term
from digest.service import DigestService
from relais.web import build_web_context
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.issues import IssueRepository
from storage.items import ItemRepository
from storage.sources import SourceRepository
from storage.subscribers import SubscriberRepository

ITEMS, SUBSCRIBERS = size(60, 12), size(20_000, 200)
DB_PATH = Path("var/bench/admin_issues.db")
NOW = datetime(2026, 11, 2, 8, tzinfo=UTC)
THEMES = ["ecsi", "sante", "eau", "agriculture", "climat", "education", "jeunesse", "economie", "genre"]
TERRITORIES = ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"]
PASSWORD = "bench password 123"
SETTINGS = Settings(
    network=NetworkSettings(name="RESACOOP", newsletter_name="RESA'CLIC", base_url="https://relais.resacoop.example"),
    taxonomy=TaxonomySettings(
        themes=[Term(t, t.title()) for t in THEMES], territories=[Term(t, t) for t in TERRITORIES]
    ),
)


def build(db: Database, clock: FrozenClock) -> tuple[int, int]:
    """(draft newsletter id, sent emailing id)."""
    rng = random.Random(7)
    kinds = list(ItemKind)
    with db.session() as s:
        src = SourceRepository(s).save(Source("AMP", "https://amp.example/rss", SourceKind.FEED, ItemKind.CALL))
        items = ItemRepository(s)
        for n in range(ITEMS):
            kind = kinds[n % len(kinds)]
            it = Item(
                kind=kind, title=f"Appel à projets « Solidarité internationale {n} »", status=ItemStatus.APPROVED,
                summary="Ce dispositif soutient les projets portés par des associations de la région.",
                url=f"https://exemple.org/appels/{n}", deadline=date(2027, 1, 1) + timedelta(days=n),
                starts_at=NOW + timedelta(days=n) if kind == ItemKind.EVENT else None, approved_at=NOW,
                tags=[*rng.sample(THEMES, 2), rng.choice(TERRITORIES)], collected_at=NOW,
            )  # fmt: skip
            it.sources = [ItemSource(source_id=src.id or 0, source_item_id=str(n))]
            items.add(it)
        subs = SubscriberRepository(s)
        for n in range(SUBSCRIBERS):
            prefs = Preferences(
                themes=rng.sample(THEMES, rng.choice([0, 1, 2])),
                territories=rng.sample(TERRITORIES, rng.choice([0, 1])),
            )
            subs.save(Subscriber(f"s{n}@exemple.fr", SubscriberStatus.CONFIRMED, preferences=prefs))
    clock.advance(timedelta(minutes=1))
    svc = DigestService(db, clock, SETTINGS.network, SETTINGS.taxonomy)
    draft = svc.build_newsletter(editorial="Bonne lecture")
    with db.session() as s:
        sent = IssueRepository(s).save(Issue(IssueKind.EMAILING, "Emailing envoyé", "Emailing envoyé",
                                             status=IssueStatus.SENT, created_at=NOW, sent_at=NOW))  # fmt: skip
        ids = [sub.id or 0 for sub in DeliveryRepository(s).confirmed_subscribers(sent.id or 0)]
        statuses = [DeliveryStatus.ACCEPTED] * 97 + [
            DeliveryStatus.BOUNCED,
            DeliveryStatus.FAILED,
            DeliveryStatus.SKIPPED,
        ]
        DeliveryRepository(s).freeze([
            Delivery(sent.id or 0, sid, f"s{sid}@exemple.fr", "text", f"<m{sid}@x>", status=rng.choice(statuses),
                     smtp_code=250, smtp_reply="250 2.0.0 Ok", queued_at=NOW, finished_at=NOW)
            for sid in ids
        ])  # fmt: skip
    return draft.id or 0, sent.id or 0


def timed(client: object, path: str, runs: int = 3) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(runs):
        t = time.perf_counter()
        r = client.get(path, headers={"HX-Request": "true"} if path.endswith("/progress") else {})  # type: ignore[attr-defined]
        best = min(best, time.perf_counter() - t)
        assert r.status_code == 200, (path, r.status_code)
        size = len(r.content)
    return best * 1000, size


def main() -> None:
    warnings.simplefilter("ignore")
    DB_PATH.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
    run_on("sqlite", fresh_database(f"sqlite:///{DB_PATH}"))
    if pg_url():
        run_on("postgresql", fresh_database(pg_url()))
    else:
        print("PostgreSQL: not measured (no RELAIS_TEST_DATABASE_URL or RELAIS_BENCH_DATABASE_URL)")


def run_on(engine: str, db: Database) -> None:
    from starlette.testclient import TestClient

    clock = FrozenClock(NOW)
    t0 = time.perf_counter()
    draft, sent = build(db, clock)
    setup = time.perf_counter() - t0
    add_user(db, "staff@bench.example", Role.STAFF, PASSWORD, now=clock.now())
    with TestClient(create_app(build_web_context(SETTINGS, db, clock, secret_key="b"))) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/admin/login").text)
        assert token
        c.post("/admin/login", data={"email": "staff@bench.example", "password": PASSWORD, "csrf_token": token[1]})
        last = max(1, SUBSCRIBERS * 3 // 200)  # three quarters into the ledger (50 rows a page): 300 at full size
        rows = [
            ("list of issues", "/admin/issues", 3, 300),
            (f"issue page (draft, {ITEMS} items)", f"/admin/issues/{draft}", 3, 300),
            (f"progress block ({SUBSCRIBERS:,} ledger rows)", f"/admin/issues/{sent}/progress", 3, 50),
            ("ledger, page 1", f"/admin/issues/{sent}/ledger", 3, 300),
            ("ledger, bounced only", f"/admin/issues/{sent}/ledger?status=bounced", 3, 300),
            (f"ledger, page {last}", f"/admin/issues/{sent}/ledger?page={last}", 3, 300),
            ("preview of the whole issue", f"/admin/issues/{draft}/preview", 3, 0),
            ("segments page (renders every segment)", f"/admin/issues/{draft}/segments", 1, 0),
        ]
        segments = len(DigestService(db, clock, SETTINGS.network, SETTINGS.taxonomy).segments(draft))
        print(f"\nadmin_issues on {engine}: {ITEMS} items, {SUBSCRIBERS} subscribers, {segments} segments "
              f"(setup {setup:.1f} s)")  # fmt: skip
        print("| page | ms | KB | target |\n|---|---|---|---|")
        for label, path, runs, target in rows:
            ms, size_ = timed(c, path, runs)
            verdict = f"≤ {target} ms {'ok' if ms <= target else 'MISSED'}" if target else "—"
            print(f"| {label} | {ms:.0f} | {size_ / 1024:.0f} | {verdict} |")
    db.dispose()


if __name__ == "__main__":
    main()
