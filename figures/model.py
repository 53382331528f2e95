"""The key figures of a period, as nested typed dataclasses.

Field names are the JSON keys (``docs/figures.md`` defines each one); French labels live in
:mod:`figures.labels` so that exports and the report page say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class PeriodInfo:
    kind: str  # year | month | range
    start: str  # ISO date, first local day included
    end: str  # ISO date, last local day included
    timezone: str
    label: str  # "2026", "mars 2026", "du 01/01/2026 au 30/06/2026"
    days: int


@dataclass(frozen=True, slots=True)
class Share:
    """A count and its share of a base (0..1), for bars: zones, themes, départements."""

    key: str
    label: str
    count: int
    share: float


@dataclass(frozen=True, slots=True)
class MonthSends:
    month: str  # YYYY-MM, local time
    newsletters: int
    emailings: int
    messages_accepted: int


@dataclass(frozen=True, slots=True)
class Sends:
    newsletters: int
    emailings: int
    messages_accepted: int
    messages_bounced: int
    messages_failed: int
    complaints: int
    hard_bounces: int
    soft_bounces: int
    distinct_recipients: int
    by_month: list[MonthSends] = field(default_factory=list)
    alerts: int = 0  # alert editions sent (one a day at most: each subscriber's own rhythm)


@dataclass(frozen=True, slots=True)
class Audience:
    subscribers_start: int
    subscribers_end: int
    net_change: int
    confirmed_signups: int
    imported: int
    unsubscribes: dict[str, int]  # stream -> count: newsletter, emailing, all (and any other recorded)
    suppressed: int
    erased: int


@dataclass(frozen=True, slots=True)
class Items:
    collected: dict[str, int]  # item kind -> count, every kind present
    approved: dict[str, int]
    published: dict[str, int]
    news_published: int
    funding_sources_published: int  # funding + call
    events_published: int
    trainings_published: int
    jobs_published: int
    events_by_territory: list[Share]
    themes: list[Share]
    themes_base: int  # published items with at least one theme tag
    zones: list[Share]
    zones_base: int


@dataclass(frozen=True, slots=True)
class Sources:
    total: int
    enabled: int
    healthy: int
    failing: int
    never_run: int
    runs: dict[str, int]  # outcome -> collection runs started in the period


@dataclass(frozen=True, slots=True)
class EditorLoad:
    editor: str
    approved: int
    rejected: int


@dataclass(frozen=True, slots=True)
class Workload:
    items_triaged: int
    approved_events: int
    rejected_events: int
    median_hours_to_approval: float | None
    editors: list[EditorLoad]


@dataclass(frozen=True, slots=True)
class Proposals:
    """Members' proposals (``/propose``): confirmed by their contact, then published or declined by an editor."""

    received: int = 0
    published: int = 0
    declined: int = 0


@dataclass(frozen=True, slots=True)
class ItemReads:
    item_id: int
    title: str
    clicks: int


@dataclass(frozen=True, slots=True)
class ThemeReads:
    key: str
    label: str
    most_read: list[ItemReads] = field(default_factory=list)  # the first three of the theme, most read first


@dataclass(frozen=True, slots=True)
class Clicks:
    """Clicks on the items' counted links (``/r/…``, ``docs/privacy.md``) on the period's days: per item and theme,
    never per reader."""

    total: int = 0
    most_read: list[ItemReads] = field(default_factory=list)  # the first ten, most read first
    themes: list[Share] = field(default_factory=list)  # clicks on items with each theme; share of all clicks
    by_theme: list[ThemeReads] = field(default_factory=list)  # each theme's most-read items, themes as above


@dataclass(frozen=True, slots=True)
class KeyFigures:
    period: PeriodInfo
    sends: Sends
    audience: Audience
    items: Items
    sources: Sources
    workload: Workload
    proposals: Proposals = field(default_factory=Proposals)
    clicks: Clicks = field(default_factory=Clicks)
