"""Key figures of a period: query the raw aggregates, then assemble them (pure) into :class:`KeyFigures`.

    period ─bounds─> storage.figures queries ─RawFigures─> assemble(taxonomy) ─> KeyFigures

The orchestrator :func:`compute_key_figures` is the only I/O; :func:`assemble` decides everything else.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.model import DeliveryStatus, IssueKind, ItemKind
from core.settings import TaxonomySettings, Term
from figures.model import (
    Audience,
    Clicks,
    EditorLoad,
    ItemReads,
    Items,
    KeyFigures,
    MonthSends,
    PeriodInfo,
    Proposals,
    Sends,
    Share,
    Sources,
    ThemeReads,
    Workload,
)
from figures.period import Period
from storage.clicks import ClickRepository, ItemClicks
from storage.database import Database
from storage.figures import FiguresQueries
from storage.proposals import ProposalRepository


@dataclass(slots=True)
class RawFigures:
    """What the queries return, before any decision."""

    issues_sent: list[tuple[str, datetime]]
    accepted_per_month: list[int]  # accepted ledger rows finished in each month of the period
    deliveries: dict[str, int]  # status -> ledger rows finished in the period (bounced, failed)
    distinct_recipients: int
    bounces: dict[str, int]
    subscribers_start: int
    subscribers_end: int
    consent: dict[str, int]
    collected: dict[str, int]
    approved: dict[str, int]
    published: dict[str, int]
    events_by_territory: dict[str, int]
    tag_counts: dict[str, int]
    themes_base: int
    zones_base: int
    sources: dict[str, int]
    runs: dict[str, int]
    triage: dict[tuple[str, str], int]
    median_approval_seconds: float | None
    proposals: dict[str, int] = field(default_factory=dict)  # received | published | declined
    clicks: list[ItemClicks] = field(default_factory=list)  # every item clicked on the period's days


def tag_names(family: str, terms: Iterable[Term]) -> set[str]:
    """The tag strings that mean a term: its bare slug, or ``family:slug``."""
    return {name for t in terms for name in (t.slug, f"{family}:{t.slug}")}


def compute_key_figures(
    db: Database,
    period: Period,
    taxonomy: TaxonomySettings,
    *,
    on_query: Callable[[str, float], None] | None = None,
    national: bool = False,
) -> KeyFigures:
    """bounds | run each aggregate query (timed through ``on_query``) | assemble. Over one network's database
    handle, that network's figures; over the deployment's, all of it (``national``: several networks added up,
    each shared item once)."""
    window = period.bounds()
    months = period.month_bounds()
    theme_tags, zone_tags = tag_names("theme", taxonomy.themes), tag_names("zone", taxonomy.zones)

    with db.session() as s:
        q = FiguresQueries(s, national=national)

        def timed(name: str, fn: Callable[[], Any]) -> Any:
            t0 = time.perf_counter()
            result = fn()
            if on_query is not None:
                on_query(name, time.perf_counter() - t0)
            return result

        raw = RawFigures(
            issues_sent=timed("issues_sent", lambda: q.issues_sent(window)),
            accepted_per_month=timed("accepted_per_month", lambda: q.deliveries_per_month(months)),
            deliveries=timed(
                "bounced_failed",
                lambda: q.deliveries_by_status(window, (DeliveryStatus.BOUNCED, DeliveryStatus.FAILED)),
            ),
            distinct_recipients=timed("distinct_recipients", lambda: q.distinct_recipients(window)),
            bounces=timed("bounces_by_kind", lambda: q.bounces_by_kind(window)),
            subscribers_start=timed("subscribers_start", lambda: q.subscribers_at(window[0])),
            subscribers_end=timed("subscribers_end", lambda: q.subscribers_at(window[1])),
            consent=timed("consent_counts", lambda: q.consent_counts(window)),
            collected=timed("items_collected", lambda: q.items_collected(window)),
            approved=timed("items_approved", lambda: q.items_approved(window)),
            published=timed("items_published", lambda: q.items_published(window)),
            events_by_territory=timed(
                "events_by_territory",
                lambda: q.published_events_by_territory(window, [t.slug for t in taxonomy.territories]),
            ),
            tag_counts=timed("published_tag_counts", lambda: q.published_tag_counts(window)),
            themes_base=timed("themes_base", lambda: q.published_with_any_tag(window, theme_tags)),
            zones_base=timed("zones_base", lambda: q.published_with_any_tag(window, zone_tags)),
            sources=timed("sources_health", q.sources_health),
            runs=timed("collection_runs", lambda: q.collection_runs(window)),
            triage=timed("triage_by_actor", lambda: q.triage_by_actor(window)),
            median_approval_seconds=timed("median_approval", lambda: q.median_approval_seconds(window)),
            proposals=timed("proposals", lambda: ProposalRepository(s).counts(*window)),
            clicks=timed("clicks", lambda: ClickRepository(s).most_read(period.start, period.end + timedelta(days=1))),
        )
    return assemble(raw, period, taxonomy)


def with_previous(
    db: Database, period: Period, taxonomy: TaxonomySettings, *, national: bool = False
) -> tuple[KeyFigures, KeyFigures]:
    """The figures of ``period`` and of the period of the same length just before, for the +/− comparison."""
    return (
        compute_key_figures(db, period, taxonomy, national=national),
        compute_key_figures(db, period.previous(), taxonomy, national=national),
    )


def _kinds(counts: dict[str, int]) -> dict[str, int]:
    """Every item kind, in the vocabulary's order, zero when absent."""
    return {str(k): counts.get(str(k), 0) for k in ItemKind}


def _shares(family: str, terms: list[Term], counts: dict[str, int], base: int) -> list[Share]:
    """One bar per term that occurs, largest first; ``bare slug`` and ``family:slug`` tags add up."""
    out = []
    for t in terms:
        n = counts.get(t.slug, 0) + counts.get(f"{family}:{t.slug}", 0)
        if n:
            out.append(Share(t.slug, t.label, n, round(n / base, 4) if base else 0.0))
    return sorted(out, key=lambda s: (-s.count, s.label))


def _territories(terms: list[Term], counts: dict[str, int]) -> list[Share]:
    labels = {t.slug: t.label for t in terms}
    total = sum(counts.values())
    out = [
        Share(code, labels.get(code, code) if code else "Non précisé", n, round(n / total, 4) if total else 0.0)
        for code, n in counts.items()
        if n
    ]
    return sorted(out, key=lambda s: (-s.count, s.key == "", s.key))


def month_sends(period: Period, issues: list[tuple[str, datetime]], accepted: list[int]) -> list[MonthSends]:
    """Issues and accepted messages per local calendar month of the period."""
    tz = ZoneInfo(period.timezone)
    months = period.months()
    index = {ym: i for i, ym in enumerate(months)}
    per: list[dict[str, int]] = [{} for _ in months]
    for kind, at in issues:
        local = at.astimezone(tz)
        i = index.get((local.year, local.month))
        if i is not None:
            per[i][kind] = per[i].get(kind, 0) + 1
    return [
        MonthSends(
            month=f"{y:04d}-{m:02d}",
            newsletters=per[i].get(IssueKind.NEWSLETTER, 0),
            emailings=per[i].get(IssueKind.EMAILING, 0),
            messages_accepted=accepted[i] if i < len(accepted) else 0,
        )
        for i, (y, m) in enumerate(months)
    ]


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def assemble(raw: RawFigures, period: Period, taxonomy: TaxonomySettings) -> KeyFigures:
    """Decide every figure from the raw aggregates (pure)."""
    kinds = [k for k, _ in raw.issues_sent]
    sends = Sends(
        newsletters=kinds.count(IssueKind.NEWSLETTER),
        emailings=kinds.count(IssueKind.EMAILING),
        # the months tile the period exactly, so their sum is the period's total
        messages_accepted=sum(raw.accepted_per_month),
        messages_bounced=raw.deliveries.get(DeliveryStatus.BOUNCED, 0),
        messages_failed=raw.deliveries.get(DeliveryStatus.FAILED, 0),
        complaints=raw.bounces.get("complaint", 0),
        hard_bounces=raw.bounces.get("hard", 0),
        soft_bounces=raw.bounces.get("soft", 0),
        distinct_recipients=raw.distinct_recipients,
        by_month=month_sends(period, raw.issues_sent, raw.accepted_per_month),
        alerts=kinds.count(IssueKind.ALERT),
    )
    unsub = {"newsletter": 0, "emailing": 0, "all": 0}
    for key, n in raw.consent.items():
        if key.startswith("unsubscribe:"):
            stream = key.split(":", 1)[1]
            unsub[stream] = unsub.get(stream, 0) + n
    audience = Audience(
        subscribers_start=raw.subscribers_start,
        subscribers_end=raw.subscribers_end,
        net_change=raw.subscribers_end - raw.subscribers_start,
        confirmed_signups=raw.consent.get("confirm", 0),
        imported=raw.consent.get("import_confirmed", 0),
        unsubscribes=unsub,
        suppressed=raw.consent.get("suppress", 0),
        erased=raw.consent.get("erase", 0),
    )
    published = _kinds(raw.published)
    items = Items(
        collected=_kinds(raw.collected),
        approved=_kinds(raw.approved),
        published=published,
        news_published=published["news"],
        funding_sources_published=published["funding"] + published["call"],
        events_published=published["event"],
        trainings_published=published["training"],
        jobs_published=published["job"],
        events_by_territory=_territories(taxonomy.territories, raw.events_by_territory),
        themes=_shares("theme", taxonomy.themes, raw.tag_counts, raw.themes_base),
        themes_base=raw.themes_base,
        zones=_shares("zone", taxonomy.zones, raw.tag_counts, raw.zones_base),
        zones_base=raw.zones_base,
    )
    editors: dict[str, dict[str, int]] = {}
    for (actor, action), n in raw.triage.items():
        editors.setdefault(actor, {})[action] = n
    loads = sorted(
        (EditorLoad(a, d.get("approved", 0), d.get("rejected", 0)) for a, d in editors.items()),
        key=lambda e: (-(e.approved + e.rejected), e.editor),
    )
    approved_ev = sum(e.approved for e in loads)
    rejected_ev = sum(e.rejected for e in loads)
    return KeyFigures(
        period=PeriodInfo(
            kind=str(period.kind),
            start=period.start.isoformat(),
            end=period.end.isoformat(),
            timezone=period.timezone,
            label=period.label,
            days=period.days,
        ),
        sends=sends,
        audience=audience,
        items=items,
        sources=Sources(runs=dict(sorted(raw.runs.items())), **raw.sources),
        workload=Workload(
            items_triaged=approved_ev + rejected_ev,
            approved_events=approved_ev,
            rejected_events=rejected_ev,
            median_hours_to_approval=hours(raw.median_approval_seconds),
            editors=loads,
        ),
        proposals=Proposals(**{k: raw.proposals.get(k, 0) for k in ("received", "published", "declined")}),
        clicks=clicks(raw.clicks, taxonomy.themes),
    )


MOST_READ = 10
MOST_READ_PER_THEME = 3


def clicks(read: list[ItemClicks], themes: list[Term]) -> Clicks:
    """The period's clicks: total, the ten most-read items, per theme (an item with two themes counts for both; the
    share is of all clicks) and each theme's three most-read items."""
    total = sum(r.clicks for r in read)
    per_tag: dict[str, int] = {}
    for r in read:
        for tag in set(r.tags):
            per_tag[tag] = per_tag.get(tag, 0) + r.clicks
    ranked = sorted(read, key=lambda r: (-r.clicks, r.item_id))
    shares = _shares("theme", themes, per_tag, total)
    by_theme = [
        ThemeReads(sh.key, sh.label, [ItemReads(r.item_id, r.title, r.clicks) for r in ranked
                                      if sh.key in r.tags or f"theme:{sh.key}" in r.tags][:MOST_READ_PER_THEME])
        for sh in shares
    ]  # fmt: skip
    return Clicks(
        total=total,
        most_read=[ItemReads(r.item_id, r.title, r.clicks) for r in ranked[:MOST_READ]],
        themes=shares,
        by_theme=by_theme,
    )


def headline_value(figures: KeyFigures, path: str) -> int:
    """A figure by dotted path, e.g. ``"sends.newsletters"``."""
    value: Any = figures
    for part in path.split("."):
        value = getattr(value, part)
    return int(value)
