"""The nouns of Relais: plain typed dataclasses and the enums of their kinds and states.

Every package speaks in these types; storage maps them to rows, the web and CLI to pages and JSON.
State transitions live in :mod:`core.states`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class SourceKind(StrEnum):
    FEED = "feed"
    HTML = "html"
    ICAL = "ical"
    JSON = "json"


class DateOrder(StrEnum):
    """How a source writes numeric dates: 05/10/2026 is 5 October (DMY, the default), 10 May (MDY)."""

    DMY = "DMY"
    MDY = "MDY"
    YMD = "YMD"


class ItemKind(StrEnum):
    FUNDING = "funding"
    CALL = "call"
    EVENT = "event"
    TRAINING = "training"
    JOB = "job"
    NEWS = "news"


class ItemStatus(StrEnum):
    NEW = "new"
    APPROVED = "approved"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class TagFamily(StrEnum):
    THEME = "theme"
    ZONE = "zone"
    TERRITORY = "territory"
    AUDIENCE = "audience"


class IssueKind(StrEnum):
    NEWSLETTER = "newsletter"
    EMAILING = "emailing"
    ALERT = "alert"  # one alert edition a day: each subscriber due that day gets what is new for them


class IssueStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    PAUSED = "paused"
    CANCELLED = "cancelled"


class Stream(StrEnum):
    """What a subscriber can receive; one issue kind each."""

    NEWSLETTER = "newsletter"
    EMAILING = "emailing"
    ALERT = "alert"


class AlertRhythm(StrEnum):
    """How often a subscriber wants their alerts (the items approved since their previous alert)."""

    DAILY = "daily"
    WEEKLY = "weekly"  # on ``Preferences.alert_day``
    NEVER = "never"


class SubscriberStatus(StrEnum):
    PENDING = "pending"  # signed up, not confirmed yet
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class OrganisationType(StrEnum):
    ASSOCIATION = "association"
    LOCAL_AUTHORITY = "local_authority"
    EDUCATION = "education"
    COMPANY = "company"
    OTHER = "other"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    ACCEPTED = "accepted"
    DEFERRED = "deferred"
    BOUNCED = "bounced"
    FAILED = "failed"
    SKIPPED = "skipped"


class ItemAction(StrEnum):
    """What ``item_events.action`` records (actor: an editor's email, or "watch")."""

    COLLECTED = "collected"
    UPDATED = "updated"  # the source changed it (applied to new items, pending on approved ones)
    MERGED = "merged"  # another source's sighting joined this item
    APPROVED = "approved"
    REJECTED = "rejected"
    ARCHIVED = "archived"
    RESTORED = "restored"  # back to new
    EDITED = "edited"
    TAGGED = "tagged"


class ConsentAction(StrEnum):
    """What ``consent_events.action`` records: the proof of consent, and what key figures count."""

    SIGNUP = "signup"  # form submitted, confirmation email sent
    CONFIRM = "confirm"  # double opt-in link followed: the address now counts
    IMPORT = "import"  # imported with a legal basis (details: basis, confirmed)
    PREFERENCES = "preferences"  # preferences changed (details: before/after)
    UNSUBSCRIBE = "unsubscribe"  # details: {"stream": "newsletter" | "emailing" | "all"}
    SUPPRESS = "suppress"  # hard bounce, complaint or staff (details: reason)
    ERASE = "erase"  # RGPD erasure; only the hash remains
    ADMIN_EDIT = "admin_edit"


class ConsentOrigin(StrEnum):
    FORM = "form"
    IMPORT = "import"
    ADMIN = "admin"
    LINK = "link"
    BOUNCE = "bounce"


class CollectionOutcome(StrEnum):
    """What one collection run did with one source."""

    FETCHED = "fetched"
    NOT_MODIFIED = "not_modified"
    ERROR = "error"
    SKIPPED = "skipped"  # resting: backoff, Retry-After or Cache-Control not over yet


class ImportOutcome(StrEnum):
    """What a CSV import did with one row."""

    CREATED = "created"
    EXISTS = "exists"  # already subscribed: left unchanged
    DUPLICATE = "duplicate"  # the same address earlier in the file
    SUPPRESSED = "suppressed"  # erased or blocked: never imported again
    FAILED = "failed"


class BounceKind(StrEnum):
    HARD = "hard"
    SOFT = "soft"
    COMPLAINT = "complaint"


class Role(StrEnum):
    EDITOR = "editor"
    STAFF = "staff"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class SuggestedTag:
    """A tag proposed by a rule; editors confirm or refuse it."""

    tag: str
    reason: str


@dataclass(slots=True)
class SourceHealth:
    """What the collector remembers of a source between runs."""

    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    fresh_until: datetime | None = None  # Cache-Control max-age / Retry-After
    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    backoff_until: datetime | None = None
    runs: int = 0
    not_modified_runs: int = 0
    zero_item_runs: int = 0  # consecutive runs that parsed zero items
    last_items: int = 0


@dataclass(slots=True)
class Source:
    name: str
    url: str
    kind: SourceKind
    item_kind: ItemKind
    every_seconds: int = 6 * 3600
    tags: list[str] = field(default_factory=list)
    territory: str | None = None
    official: bool = False  # an official source wins over relays when items merge
    enabled: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    origin: str = "config"  # config | admin
    id: int | None = None
    health: SourceHealth = field(default_factory=SourceHealth)
    network_id: int | None = None  # None: shared, collected once for every network; else that network's alone


@dataclass(slots=True)
class ItemSource:
    """One sighting of an item at a source: an item merged from several sources has several."""

    source_id: int
    source_item_id: str  # the source's own id (GUID, VEVENT UID…) or the canonical URL
    url: str | None = None
    title: str | None = None
    official: bool = False
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None
    source_name: str | None = None


@dataclass(slots=True)
class Item:
    kind: ItemKind
    title: str
    url: str | None = None
    summary: str = ""  # plain text
    body_html: str = ""  # sanitised HTML
    status: ItemStatus = ItemStatus.NEW
    published_at: datetime | None = None
    collected_at: datetime | None = None
    updated_at: datetime | None = None
    approved_at: datetime | None = None
    approved_by: str | None = None
    opening_date: date | None = None
    deadline: date | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str | None = None
    # Themes, zones, territories (départements: "69") and audiences, as taxonomy slugs: an item's places are its
    # territory and zone tags, nothing else.
    tags: list[str] = field(default_factory=list)
    suggested_tags: list[SuggestedTag] = field(default_factory=list)
    featured: bool = False
    image_url: str | None = None  # shown « à la une » with its alt text (required): an http(s) address
    image_alt: str = ""
    editor_note: str = ""
    canonical_url: str | None = None
    content_hash: str | None = None
    field_origins: dict[str, str] = field(default_factory=dict)  # field -> where it came from
    pending_update: dict[str, Any] | None = None  # changes seen on an approved item, to review
    sources: list[ItemSource] = field(default_factory=list)
    id: int | None = None


@dataclass(slots=True)
class Preferences:
    """What a subscriber asked for. An empty list means "everything" for that family."""

    kinds: list[ItemKind] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)
    streams: list[Stream] = field(default_factory=lambda: [Stream.NEWSLETTER, Stream.EMAILING])
    frequency: str = "monthly"
    # Alerts: the rhythm counts only while the alert stream is in ``streams`` (a one-click unsubscribe drops it).
    alerts: AlertRhythm = AlertRhythm.NEVER
    alert_day: int = 0  # for weekly alerts: 0 is Monday … 6 Sunday, in the network's time zone
    alert_kinds: list[ItemKind] = field(default_factory=list)  # empty: every kind the other preferences allow

    @property
    def alert_rhythm(self) -> AlertRhythm:
        """The rhythm in force: never once the alert stream is dropped."""
        return self.alerts if Stream.ALERT in self.streams else AlertRhythm.NEVER

    def to_json(self) -> dict[str, Any]:
        return {
            "kinds": [str(k) for k in self.kinds],
            "themes": list(self.themes),
            "zones": list(self.zones),
            "territories": list(self.territories),
            "streams": [str(s) for s in self.streams],
            "frequency": self.frequency,
            "alerts": str(self.alert_rhythm),
            "alert_day": self.alert_day,
            "alert_kinds": [str(k) for k in self.alert_kinds],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Preferences:
        data = data or {}
        return cls(
            kinds=[ItemKind(k) for k in data.get("kinds", [])],
            themes=list(data.get("themes", [])),
            zones=list(data.get("zones", [])),
            territories=list(data.get("territories", [])),
            streams=[Stream(s) for s in data.get("streams", [Stream.NEWSLETTER, Stream.EMAILING])],
            frequency=str(data.get("frequency", "monthly")),
            alerts=AlertRhythm(data.get("alerts", AlertRhythm.NEVER)),
            alert_day=int(data.get("alert_day", 0)),
            alert_kinds=[ItemKind(k) for k in data.get("alert_kinds", [])],
        )


@dataclass(slots=True)
class Subscriber:
    email: str
    status: SubscriberStatus = SubscriberStatus.PENDING
    name: str | None = None
    organisation_type: OrganisationType | None = None
    preferences: Preferences = field(default_factory=Preferences)
    locale: str = "fr"
    created_at: datetime | None = None
    confirmed_at: datetime | None = None
    unsubscribed_at: datetime | None = None
    legal_basis: str | None = None
    soft_bounces: int = 0
    id: int | None = None


@dataclass(slots=True)
class IssueEntry:
    """An item placed in an issue's section at a position."""

    item_id: int
    section: str
    position: int


@dataclass(slots=True)
class Issue:
    kind: IssueKind
    title: str
    subject: str
    status: IssueStatus = IssueStatus.DRAFT
    number: int | None = None  # newsletters are numbered: "RESA'CLIC n°42"
    editorial: str = ""
    template: str = "newsletter"
    audience: dict[str, Any] = field(default_factory=dict)  # filter for emailings: themes, zones…
    entries: list[IssueEntry] = field(default_factory=list)
    created_at: datetime | None = None
    created_by: str | None = None
    scheduled_at: datetime | None = None
    not_after: datetime | None = None  # too late: do not start sending after this
    started_at: datetime | None = None
    sent_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class Delivery:
    """One row of the ledger: one message of one issue to one subscriber."""

    issue_id: int
    subscriber_id: int
    email: str
    segment: str
    message_id: str
    status: DeliveryStatus = DeliveryStatus.QUEUED
    attempts: int = 0
    smtp_code: int | None = None
    smtp_reply: str | None = None
    queued_at: datetime | None = None
    sending_at: datetime | None = None
    finished_at: datetime | None = None
    next_attempt_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class User:
    email: str
    role: Role
    password_hash: str
    active: bool = True
    created_at: datetime | None = None
    last_login_at: datetime | None = None
    session_version: int = 0  # in every session cookie; raised by logout and password changes (ends them all)
    id: int | None = None
    superadmin: bool = False  # above the networks: an admin in each (storage.users)


class ProposalStatus(StrEnum):
    """A member's proposal: waiting for its contact's confirmation, in triage as an item, then told the outcome."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    PUBLISHED = "published"
    DECLINED = "declined"


@dataclass(slots=True)
class Proposal:
    """What a member proposed on ``/propose``: ``fields`` are the item's own (checked and sanitised, dates as ISO
    strings), the image a random file name in the proposals folder."""

    email: str
    organisation: str
    fields: dict[str, Any] = field(default_factory=dict)
    status: ProposalStatus = ProposalStatus.PENDING
    image_name: str | None = None
    ip: str | None = None
    created_at: datetime | None = None
    confirmed_at: datetime | None = None
    item_id: int | None = None
    decided_at: datetime | None = None
    reason: str = ""
    id: int | None = None
