"""Scenario: a generated year of raw rows; every key figure recounted in plain Python must match SQL's."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from figures.compute import compute_key_figures
from figures.model import KeyFigures
from figures.period import Period, PeriodKind, month, year
from storage.database import Database
from tests.figures.generated_year import TAXONOMY, generate, load

DEPARTEMENTS = {t.slug for t in TAXONOMY.territories}  # a tag outside them is no known place

PARIS = ZoneInfo("Europe/Paris")
ROWS = generate()


def window(p: Period) -> tuple[datetime, datetime]:
    # Recomputed by hand, not with Period.bounds: local midnights of the first day and of the day after the last.
    return (
        datetime.combine(p.start, time(0), tzinfo=PARIS),
        datetime.combine(p.end + timedelta(days=1), time(0), tzinfo=PARIS),
    )


def inside(at: datetime | None, w: tuple[datetime, datetime]) -> bool:
    return at is not None and w[0] <= at < w[1]


def subscribed_at(events: list[dict[str, Any]], instant: datetime) -> int:
    last: dict[str, tuple[datetime, int, bool]] = {}
    for e in events:
        if e["at"] >= instant:
            continue
        add = e["action"] == "confirm" or (e["action"] == "import" and e["details"].get("confirmed") is True)
        remove = e["action"] in ("suppress", "erase") or (
            e["action"] == "unsubscribe" and e["details"].get("stream") == "all"
        )
        if not (add or remove):
            continue
        key = (e["at"], e["id"])
        if e["email_hash"] not in last or key > last[e["email_hash"]][:2]:
            last[e["email_hash"]] = (e["at"], e["id"], add)
    return sum(1 for _, _, add in last.values() if add)


def recount(rows: dict[str, list[dict[str, Any]]], p: Period) -> dict[str, Any]:
    w = window(p)
    kinds = ["funding", "call", "event", "training", "job", "news"]
    sent = [i for i in rows["issues"] if i["status"] == "sent" and inside(i["sent_at"], w)]
    dels = [d for d in rows["deliveries"] if inside(d["finished_at"], w)]
    status = Counter(d["status"] for d in dels)
    bounces = Counter(b["kind"] for b in rows["bounces"] if inside(b["at"], w))
    consent = [e for e in rows["consent_events"] if inside(e["at"], w)]
    unsub = Counter(e["details"]["stream"] for e in consent if e["action"] == "unsubscribe")
    items = {i["id"]: i for i in rows["items"]}
    sent_ids = {i["id"] for i in sent}
    published = {ii["item_id"] for ii in rows["issue_items"] if ii["issue_id"] in sent_ids}
    approved_ev = {e["item_id"] for e in rows["item_events"] if e["action"] == "approved" and inside(e["at"], w)}
    approved = {i for i, it in items.items() if inside(it["approved_at"], w)} | approved_ev
    pub_kind = Counter(items[i]["kind"] for i in published)

    def tagged(slugs: set[str]) -> tuple[dict[str, int], int]:
        counts = {s: sum(1 for i in published if s in items[i]["tags"]) for s in slugs}
        base = sum(1 for i in published if set(items[i]["tags"]) & slugs)
        return counts, base

    themes, themes_base = tagged({"sante", "eau", "climat", "theme:sante", "theme:eau", "theme:climat"})
    zones, zones_base = tagged(
        {"afrique-subsaharienne", "asie", "europe", "zone:afrique-subsaharienne", "zone:asie", "zone:europe"}
    )
    triage = [e for e in rows["item_events"] if e["action"] in ("approved", "rejected") and inside(e["at"], w)]
    delays = [
        (it["approved_at"] - it["collected_at"]).total_seconds()
        for it in items.values()
        if inside(it["approved_at"], w) and it["collected_at"] is not None
    ]
    enabled = [s for s in rows["sources"] if s["enabled"]]
    months = []
    for y, m in p.months():
        ms = [i for i in sent if i["sent_at"].astimezone(PARIS).timetuple()[:2] == (y, m)]
        acc = sum(
            1
            for d in dels
            if d["status"] == "accepted" and d["finished_at"].astimezone(PARIS).timetuple()[:2] == (y, m)
        )
        months.append(
            {
                "month": f"{y:04d}-{m:02d}",
                "newsletters": sum(i["kind"] == "newsletter" for i in ms),
                "emailings": sum(i["kind"] == "emailing" for i in ms),
                "messages_accepted": acc,
            }
        )
    return {
        "newsletters": sum(i["kind"] == "newsletter" for i in sent),
        "emailings": sum(i["kind"] == "emailing" for i in sent),
        "accepted": status["accepted"],
        "bounced": status["bounced"],
        "failed": status["failed"],
        "complaints": bounces["complaint"],
        "hard": bounces["hard"],
        "recipients": len({d["subscriber_id"] for d in dels if d["status"] == "accepted" and d["subscriber_id"]})
        + len({d["email"] for d in dels if d["status"] == "accepted" and d["subscriber_id"] is None}),
        "by_month": months,
        "start": subscribed_at(rows["consent_events"], w[0]),
        "end": subscribed_at(rows["consent_events"], w[1]),
        "confirms": sum(e["action"] == "confirm" for e in consent),
        "imported": sum(e["action"] == "import" and e["details"]["confirmed"] is True for e in consent),
        "unsub": {"newsletter": unsub["newsletter"], "emailing": unsub["emailing"], "all": unsub["all"]},
        "suppressed": sum(e["action"] == "suppress" for e in consent),
        "erased": sum(e["action"] == "erase" for e in consent),
        "collected": {
            k: sum(1 for it in items.values() if it["kind"] == k and inside(it["collected_at"], w)) for k in kinds
        },
        "approved": {k: sum(1 for i in approved if items[i]["kind"] == k) for k in kinds},
        "published": {k: pub_kind[k] for k in kinds},
        "funding_sources": pub_kind["funding"] + pub_kind["call"],
        "territories": Counter(
            next((t for t in items[i]["tags"] if t in DEPARTEMENTS), "")
            for i in published
            if items[i]["kind"] == "event"
        ),
        "themes": {"sante": themes["sante"] + themes["theme:sante"], "eau": themes["eau"], "climat": themes["climat"]},
        "themes_base": themes_base,
        "zones": {
            "afrique-subsaharienne": zones["afrique-subsaharienne"],
            "asie": zones["asie"],
            "europe": zones["europe"] + zones["zone:europe"],
        },
        "zones_base": zones_base,
        "triaged": len(triage),
        "per_editor": Counter((e["actor"], e["action"]) for e in triage),
        "median": round(statistics.median(delays) / 3600, 2) if delays else None,
        "sources": (len(rows["sources"]), len(enabled)),
        "failing": sum(1 for s in enabled if s["consecutive_failures"] > 0),
        "never_run": sum(1 for s in enabled if s["last_run_at"] is None),
        "runs": Counter(r["outcome"] for r in rows["collection_runs"] if inside(r["started_at"], w)),
    }


def actual(f: KeyFigures) -> dict[str, Any]:
    return {
        "newsletters": f.sends.newsletters,
        "emailings": f.sends.emailings,
        "accepted": f.sends.messages_accepted,
        "bounced": f.sends.messages_bounced,
        "failed": f.sends.messages_failed,
        "complaints": f.sends.complaints,
        "hard": f.sends.hard_bounces,
        "recipients": f.sends.distinct_recipients,
        "by_month": [vars_(m) for m in f.sends.by_month],
        "start": f.audience.subscribers_start,
        "end": f.audience.subscribers_end,
        "confirms": f.audience.confirmed_signups,
        "imported": f.audience.imported,
        "unsub": f.audience.unsubscribes,
        "suppressed": f.audience.suppressed,
        "erased": f.audience.erased,
        "collected": f.items.collected,
        "approved": f.items.approved,
        "published": f.items.published,
        "funding_sources": f.items.funding_sources_published,
        "territories": Counter({s.key: s.count for s in f.items.events_by_territory}),
        "themes": {s: next((x.count for x in f.items.themes if x.key == s), 0) for s in ("sante", "eau", "climat")},
        "themes_base": f.items.themes_base,
        "zones": {
            s: next((x.count for x in f.items.zones if x.key == s), 0)
            for s in ("afrique-subsaharienne", "asie", "europe")
        },
        "zones_base": f.items.zones_base,
        "triaged": f.workload.items_triaged,
        "per_editor": Counter(
            {
                (e.editor, a): n
                for e in f.workload.editors
                for a, n in (("approved", e.approved), ("rejected", e.rejected))
                if n
            }
        ),
        "median": f.workload.median_hours_to_approval,
        "sources": (f.sources.total, f.sources.enabled),
        "failing": f.sources.failing,
        "never_run": f.sources.never_run,
        "runs": Counter(f.sources.runs),
    }


def vars_(m: Any) -> dict[str, Any]:
    return {k: getattr(m, k) for k in ("month", "newsletters", "emailings", "messages_accepted")}


PERIODS = [
    year(2026),
    month(2026, 3),
    year(2026).previous(),
    Period(PeriodKind.RANGE, date(2025, 12, 15), date(2026, 2, 28)),
    year(2031),  # in the future: all zeros, never a crash
]


@pytest.fixture
def loaded(db: Database) -> Database:
    load(db, ROWS)
    return db


def test_every_figure_matches_an_independent_recount(loaded: Database) -> None:
    for p in PERIODS:
        expected, got = recount(ROWS, p), actual(compute_key_figures(loaded, p, TAXONOMY))
        for key in expected:
            assert got[key] == expected[key], f"{p.label}: {key}"


def test_the_generated_year_is_not_trivial() -> None:
    # the recount would prove little over empty or one-sided data
    exp = recount(ROWS, year(2026))
    assert exp["newsletters"] > 0 and exp["emailings"] > 0 and exp["accepted"] > 100
    assert exp["bounced"] > 0 and exp["complaints"] > 0 and exp["start"] > 0 and exp["end"] != exp["start"]
    assert all(exp["unsub"].values()) and exp["imported"] > 0 and exp["erased"] > 0
    assert all(exp["published"].values()) and exp["themes_base"] > 0 and exp["zones_base"] > 0
    assert exp["median"] is not None and exp["triaged"] > 0 and len(exp["territories"]) > 2
