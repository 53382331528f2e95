"""A seeded random year of raw rows around 2026, plain dicts per table, and a loader.

Times cluster near period edges (local midnights in Europe/Paris) on purpose, so that time zones matter.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from core.model import (
    BounceKind,
    ConsentAction,
    DeliveryStatus,
    IssueKind,
    IssueStatus,
    ItemAction,
    ItemKind,
)
from core.settings import TaxonomySettings, Term
from storage.database import Database
from storage.tables import (
    BounceRow,
    CollectionRunRow,
    ConsentEventRow,
    DeliveryRow,
    IssueItemRow,
    IssueRow,
    ItemEventRow,
    ItemRow,
    SourceRow,
    SubscriberRow,
)

TAXONOMY = TaxonomySettings(
    themes=[Term("sante", "Santé"), Term("eau", "Eau et assainissement"), Term("climat", "Climat")],
    zones=[Term("afrique-subsaharienne", "Afrique subsaharienne"), Term("asie", "Asie"), Term("europe", "Europe")],
    territories=[Term("69", "Rhône"), Term("38", "Isère"), Term("63", "Puy-de-Dôme")],
)
TAGS = ["sante", "eau", "climat", "theme:sante", "afrique-subsaharienne", "asie", "zone:europe", "europe", "autre"]
EDITORS = ["anne@resa.example", "paul@resa.example", "watch-bot"]
START = datetime(2025, 10, 1, tzinfo=UTC)
SPAN = timedelta(days=480)  # to early 2027
# Instants just around the local new year and month ends, where a UTC-only count would be wrong.
EDGES = [
    datetime(2025, 12, 31, 22, 59, tzinfo=UTC),
    datetime(2025, 12, 31, 23, 0, tzinfo=UTC),
    datetime(2025, 12, 31, 23, 30, tzinfo=UTC),
    datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
    datetime(2026, 3, 31, 21, 59, tzinfo=UTC),
    datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
    datetime(2026, 12, 31, 22, 59, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
]


def _when(rng: random.Random) -> datetime:
    if rng.random() < 0.08:
        return rng.choice(EDGES)
    return START + timedelta(seconds=rng.randrange(int(SPAN.total_seconds())))


def generate(seed: int = 2026, n_items: int = 500, n_subscribers: int = 160) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in TABLES}
    for i in range(1, 7):
        failures = rng.choice([0, 0, 2])
        never = i == 6
        out["sources"].append(
            {
                "id": i,
                "name": f"source {i}",
                "url": f"file:///s{i}",
                "kind": "feed",
                "item_kind": "news",
                "enabled": i != 5,
                "consecutive_failures": 0 if never else failures,
                "last_run_at": None if never else _when(rng),
                "tags": [],
                "options": {},
            }
        )
    for i in range(300):
        out["collection_runs"].append(
            {
                "id": i + 1,
                "source_id": rng.randint(1, 5),
                "started_at": _when(rng),
                "outcome": rng.choice(["fetched", "fetched", "not_modified", "error"]),
            }
        )
    ev_id = 0
    for i in range(1, n_items + 1):
        collected = _when(rng)
        approved_at = None
        if rng.random() < 0.6:
            approved_at = collected + timedelta(hours=rng.randint(0, 24 * 20), minutes=rng.randint(0, 59))
        tags = rng.sample(TAGS, rng.randint(0, 3))
        kind = rng.choice(list(ItemKind)).value
        collected_at = collected if rng.random() > 0.03 else None
        territory = rng.choice(["69", "38", "63", "01", None])  # a département is a tag
        out["items"].append(
            {
                "id": i,
                "network_id": 1,
                "kind": kind,
                "title": f"item {i}",
                "status": "approved" if approved_at else "new",
                "collected_at": collected_at,
                "approved_at": approved_at,
                "tags": [*tags, *([territory] if territory else [])],
                "suggested_tags": [],
                "field_origins": {},
            }
        )
        actor = rng.choice(EDITORS)
        if approved_at and rng.random() < 0.9:  # some legacy approvals left no event
            ev_id += 1
            out["item_events"].append(
                {"id": ev_id, "item_id": i, "at": approved_at, "actor": actor, "action": "approved", "changes": {}}
            )
            if rng.random() < 0.1:  # approved once before, then restored and approved again
                ev_id += 1
                earlier = approved_at - timedelta(days=rng.randint(1, 200))
                out["item_events"].append(
                    {"id": ev_id, "item_id": i, "at": earlier, "actor": actor, "action": "approved", "changes": {}}
                )
        elif not approved_at and rng.random() < 0.5:
            ev_id += 1
            action = rng.choice([ItemAction.REJECTED, ItemAction.EDITED, ItemAction.TAGGED]).value
            out["item_events"].append(
                {"id": ev_id, "item_id": i, "at": _when(rng), "actor": actor, "action": action, "changes": {}}
            )
    approved_items = [it["id"] for it in out["items"] if it["approved_at"]]
    numbers = {IssueKind.NEWSLETTER: 0, IssueKind.EMAILING: 0}
    for i in range(1, 41):
        kind = IssueKind.NEWSLETTER if i % 3 == 0 else IssueKind.EMAILING
        numbers[kind] += 1
        status = rng.choice([IssueStatus.SENT] * 6 + [IssueStatus.DRAFT, IssueStatus.CANCELLED, IssueStatus.SENDING])
        sent_at = _when(rng) if status is IssueStatus.SENT else None
        out["issues"].append(
            {
                "id": i,
                "network_id": 1,
                "kind": kind.value,
                "number": numbers[kind],
                "title": f"issue {i}",
                "subject": "s",
                "status": status.value,
                "sent_at": sent_at,
                "audience": {},
            }
        )
        for pos, item_id in enumerate(rng.sample(approved_items, rng.randint(0, 12))):
            out["issue_items"].append({"issue_id": i, "item_id": item_id, "section": "s", "position": pos})
    for i in range(1, n_subscribers + 1):
        out["subscribers"].append(
            {"id": i, "network_id": 1, "email": f"p{i}@example.org", "status": "confirmed", "preferences": {}}
        )
        h = f"{i:064x}"
        t = _when(rng)
        for _ in range(rng.randint(1, 5)):
            action, details = rng.choice(
                [
                    (ConsentAction.SIGNUP, {}),
                    (ConsentAction.CONFIRM, {}),
                    (ConsentAction.CONFIRM, {}),
                    (ConsentAction.IMPORT, {"basis": "consent", "confirmed": True}),
                    (ConsentAction.IMPORT, {"basis": "consent", "confirmed": False}),
                    (ConsentAction.IMPORT, {"basis": "consent", "confirmed": "oui"}),  # malformed: not an add
                    (ConsentAction.PREFERENCES, {}),
                    (ConsentAction.UNSUBSCRIBE, {"stream": "newsletter"}),
                    (ConsentAction.UNSUBSCRIBE, {"stream": "emailing"}),
                    (ConsentAction.UNSUBSCRIBE, {"stream": "all"}),
                    (ConsentAction.SUPPRESS, {"reason": "hard_bounce"}),
                    (ConsentAction.ERASE, {}),
                ]
            )
            out["consent_events"].append(
                {
                    "id": len(out["consent_events"]) + 1,
                    "network_id": 1,
                    "subscriber_id": i,
                    "email_hash": h,
                    "at": t,
                    "action": action.value,
                    "origin": "form",
                    "details": details,
                }
            )
            t = t + timedelta(days=rng.randint(0, 90)) if rng.random() < 0.8 else rng.choice(EDGES)
    for issue in out["issues"]:
        if issue["status"] not in ("sent", "sending"):
            continue
        base = issue["sent_at"] or _when(rng)
        for sub in rng.sample(range(1, n_subscribers + 1), rng.randint(20, 120)):
            status = rng.choice(
                [DeliveryStatus.ACCEPTED] * 8 + [DeliveryStatus.BOUNCED, DeliveryStatus.FAILED, DeliveryStatus.QUEUED]
            )
            finished = None if status is DeliveryStatus.QUEUED else base + timedelta(minutes=rng.randint(0, 600))
            did = len(out["deliveries"]) + 1
            out["deliveries"].append(
                {
                    "id": did,
                    "issue_id": issue["id"],
                    "subscriber_id": sub if rng.random() > 0.05 else None,
                    "email": f"p{sub}@example.org",
                    "segment": "all",
                    "message_id": f"<{did}@x>",
                    "status": status.value,
                    "finished_at": finished,
                }
            )
    for i in range(1, 120):
        out["bounces"].append(
            {
                "id": i,
                "subscriber_id": rng.randint(1, n_subscribers),
                "at": _when(rng),
                "kind": rng.choice(list(BounceKind)).value,
                "origin": "dsn",
                "detail": "",
            }
        )
    return out


TABLES = {
    "sources": SourceRow,
    "collection_runs": CollectionRunRow,
    "items": ItemRow,
    "item_events": ItemEventRow,
    "issues": IssueRow,
    "issue_items": IssueItemRow,
    "subscribers": SubscriberRow,
    "consent_events": ConsentEventRow,
    "deliveries": DeliveryRow,
    "bounces": BounceRow,
}


def load(db: Database, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert every table's rows (same keys within a table, so one executemany each)."""
    with db.engine.begin() as conn:
        for name, model in TABLES.items():
            if rows[name]:
                conn.execute(model.__table__.insert(), rows[name])  # type: ignore[attr-defined]
