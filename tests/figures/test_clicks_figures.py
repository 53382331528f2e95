"""Clicks in the key figures: the period's total, the most-read items and the clicks per theme, read from the
per-(issue, item, day) counts and nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.clock import FrozenClock
from core.model import Item, ItemKind, ItemStatus
from core.settings import TaxonomySettings, Term
from figures.compute import clicks, compute_key_figures
from figures.export import rows
from figures.period import parse_period
from figures.report import render_report
from storage.clicks import ClickRepository, ItemClicks
from storage.database import Database
from storage.items import ItemRepository
from storage.networks import FIRST_NETWORK
from storage.tables import IssueRow

THEMES = [Term("eau", "Eau et assainissement"), Term("ecsi", "ECSI")]


def test_most_read_and_per_theme() -> None:
    read = [ItemClicks(1, "Appel eau", ("eau",), 5), ItemClicks(2, "Formation ECSI", ("ecsi", "eau"), 3),
            ItemClicks(3, "Offre", (), 2)]  # fmt: skip
    c = clicks(read, THEMES)
    assert c.total == 10 and [r.item_id for r in c.most_read] == [1, 2, 3]
    assert [(s.key, s.count, s.share) for s in c.themes] == [("eau", 8, 0.8), ("ecsi", 3, 0.3)]
    assert [(t.key, [r.item_id for r in t.most_read]) for t in c.by_theme] == [("eau", [1, 2]), ("ecsi", [2])]
    assert clicks([], THEMES).themes == [] and clicks([], THEMES).total == 0


def test_the_years_figures_count_the_clicks_of_its_days(db: Database, clock: FrozenClock) -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    with db.session() as s:
        ids = [
            ItemRepository(s).add(Item(ItemKind.CALL, t, status=ItemStatus.APPROVED, approved_at=at, tags=tags)).id
            for t, tags in (("Appel eau", ["eau"]), ("Formation ECSI", ["ecsi"]))
        ]
        s.add(
            IssueRow(
                id=1, network_id=FIRST_NETWORK, kind="newsletter", title="n°1", subject="n°1", status="sent", sent_at=at
            )
        )
        s.flush()
        repo = ClickRepository(s)
        for day, item, n in (
            (date(2026, 3, 2), ids[0], 3),
            (date(2026, 3, 3), ids[1], 1),
            (date(2025, 12, 31), ids[1], 7),
        ):
            for _ in range(n):
                repo.add(1, item or 0, day)
    tax = TaxonomySettings(themes=THEMES)
    f = compute_key_figures(db, parse_period(year_text="2026", tz="Europe/Paris", today=date(2026, 6, 1)), tax)
    assert f.clicks.total == 4 and [(r.title, r.clicks) for r in f.clicks.most_read] == [
        ("Appel eau", 3),
        ("Formation ECSI", 1),
    ]
    assert {s.key: s.count for s in f.clicks.themes} == {"eau": 3, "ecsi": 1}
    keys = {r.key: r.value for r in rows(f)}
    assert [(t.label, [r.title for r in t.most_read]) for t in f.clicks.by_theme] == [
        ("Eau et assainissement", ["Appel eau"]), ("ECSI", ["Formation ECSI"])
    ]  # fmt: skip
    assert keys["clicks.total"] == 4 and keys[f"clicks.items.{ids[0]}"] == 3 and keys["clicks.themes.eau.share"] == 75.0
    page = render_report(f)
    assert "Contenus les plus lus (clics)" in page and "Les plus lus :\nEau et assainissement — Appel eau (3)" in page
