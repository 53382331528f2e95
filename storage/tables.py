"""The database schema as typed SQLAlchemy 2 tables. Migrations in ``storage/migrations`` create exactly this.

Times are stored as aware UTC datetimes (see :class:`UTCDateTime`); JSON columns hold lists and small maps.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.folding import search_name_default, search_text_default


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (naive storage) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        date: Date,
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


class NetworkRow(Base):
    """One regional network of the deployment (0013): what it owns carries its id. A single-network deployment has
    one, created by the migration; ``[[networks]]`` in the config adds the others by their slug."""

    __tablename__ = "networks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime | None]
    # A network created in the admin (0015): its [[networks]] keys; None for the networks config.toml declares.
    settings: Mapped[dict[str, Any] | None]
    created_by: Mapped[str | None] = mapped_column(String(320))


class NetworkMemberRow(Base):
    """A staff account's role in one network (0013): an account sees and works in the networks it is a member of."""

    __tablename__ = "network_members"
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))


class SourceRow(Base):
    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None: shared, collected once for every network that follows it; else the one network that keeps it (0013).
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    item_kind: Mapped[str] = mapped_column(String(16))
    every_seconds: Mapped[int] = mapped_column(Integer, default=21600)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    territory: Mapped[str | None] = mapped_column(String(64))
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    origin: Mapped[str] = mapped_column(String(16), default="config")
    created_at: Mapped[datetime | None]
    # health, kept between runs
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    fresh_until: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    backoff_until: Mapped[datetime | None]
    runs: Mapped[int] = mapped_column(Integer, default=0)
    not_modified_runs: Mapped[int] = mapped_column(Integer, default=0)
    zero_item_runs: Mapped[int] = mapped_column(Integer, default=0)
    last_items: Mapped[int] = mapped_column(Integer, default=0)


class CollectionRunRow(Base):
    """One collection of one source: the history behind health and figures."""

    __tablename__ = "collection_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(16))  # fetched | not_modified | error | skipped
    http_status: Mapped[int | None] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    parsed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class ItemRow(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Each network has its own row of an item a shared source gave, with its own triage (0013).
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text, index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="new")
    published_at: Mapped[datetime | None]
    collected_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None] = mapped_column(index=True)
    approved_by: Mapped[str | None] = mapped_column(String(320))
    opening_date: Mapped[date | None]
    deadline: Mapped[date | None] = mapped_column(index=True)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    place: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[Any]] = mapped_column(default=list)  # themes, zones, départements, audiences (0008)
    # Title and summary folded (case and accents ignored) for text search (0008); written with them.
    search_text: Mapped[str] = mapped_column(Text, default=search_text_default, server_default="")
    suggested_tags: Mapped[list[Any]] = mapped_column(default=list)  # [{"tag": …, "reason": …}]
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    image_url: Mapped[str | None] = mapped_column(Text)  # shown « à la une », with its alt text (0010)
    image_alt: Mapped[str] = mapped_column(Text, default="", server_default="")
    editor_note: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str | None] = mapped_column(String(64))
    field_origins: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pending_update: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    __table_args__ = (
        # A network's triage queue newest first (0013: the network leads, every query names it).
        Index("ix_items_network_status_collected", "network_id", "status", "collected_at"),
        Index("ix_items_kind_status", "kind", "status"),
        Index("ix_items_collected_kind", "collected_at", "kind"),  # key figures: items collected per kind
        # The triage page's capped count: every filter compared with = or a range, read from the index alone
        # (a département is a tag since 0008).
        Index("ix_items_network_status_kind_deadline", "network_id", "status", "kind", "deadline"),
    )


class ItemSourceRow(Base):
    """Where an item was seen: one row per (source, the source's own id)."""

    __tablename__ = "item_sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="RESTRICT"))  # its item's (0013)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    source_item_id: Mapped[str] = mapped_column(String(1000))
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    __table_args__ = (
        UniqueConstraint("network_id", "source_id", "source_item_id", name="uq_item_sources_network_source_item"),
        Index("ix_item_sources_item_source", "item_id", "source_id"),  # an item's sources; the triage source filter
    )


class ItemEventRow(Base):
    """Who did what to an item and when: approvals, edits, tags, merges."""

    __tablename__ = "item_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(320))  # a user's email, or "watch"
    action: Mapped[str] = mapped_column(String(32))  # collected | updated | approved | rejected | edited | tagged…
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # its role where it was created; per network: network_members
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # No longer read or written (0004): logins are throttled in memory instead of locking accounts; kept so that a
    # downgrade loses nothing.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    # Copied into each session cookie and compared on every request: raising it ends every session of the account.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Above the networks (0013): an admin in every network, and the only one who sees them all.
    superadmin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SubscriberRow(Base):
    __tablename__ = "subscribers"
    # Ids are never reused (0005): personal links name the row, and a deleted row's links must reach nobody else.
    # An address may subscribe to several networks: one row in each (0013).
    __table_args__ = (
        UniqueConstraint("network_id", "email", name="uq_subscribers_network_email"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="RESTRICT"))
    email: Mapped[str] = mapped_column(String(320), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    # The name folded (case and accents ignored) for the staff's search (0008); written with it.
    search_name: Mapped[str] = mapped_column(Text, default=search_name_default, server_default="")
    organisation_type: Mapped[str | None] = mapped_column(String(32))
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    created_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    legal_basis: Mapped[str | None] = mapped_column(Text)
    soft_bounces: Mapped[int] = mapped_column(Integer, default=0)
    token_version: Mapped[int] = mapped_column(Integer, default=0)  # bump to void every link sent so far
    # Preferences as bit masks for segment counts (bits from preference_bits; 0: everything in that family).
    mask_kinds: Mapped[int] = mapped_column(BigInteger, default=0)
    mask_themes: Mapped[int] = mapped_column(BigInteger, default=0)
    mask_zones: Mapped[int] = mapped_column(BigInteger, default=0)
    mask_territories: Mapped[int] = mapped_column(BigInteger, default=0)
    mask_streams: Mapped[int] = mapped_column(BigInteger, default=0)


class PreferenceBitRow(Base):
    """Which bit of a subscriber's mask stands for a preference value; assigned once, never reused."""

    __tablename__ = "preference_bits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family: Mapped[str] = mapped_column(String(16))  # kinds | themes | zones | territories | streams
    slug: Mapped[str] = mapped_column(String(64))
    bit: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        UniqueConstraint("family", "slug", name="uq_preference_bits_family_slug"),
        UniqueConstraint("family", "bit", name="uq_preference_bits_family_bit"),
    )


class ConsentEventRow(Base):
    """Every change of a subscriber's state or preferences, kept as proof of consent."""

    __tablename__ = "consent_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="RESTRICT"), index=True)
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id", ondelete="SET NULL"), index=True)
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(32))  # signup | confirm | preferences | unsubscribe | …
    origin: Mapped[str] = mapped_column(String(16))  # form | import | admin | link | bounce
    ip: Mapped[str | None] = mapped_column(String(64))
    wording_version: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SuppressionRow(Base):
    """Addresses that must never be mailed or re-imported, kept only as a hash."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("network_id", "email_hash", name="uq_suppressions_network_email_hash"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="RESTRICT"))
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(32))  # erased | hard_bounce | complaint | admin
    at: Mapped[datetime]


class BounceRow(Base):
    __tablename__ = "bounces"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id", ondelete="SET NULL"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16))  # hard | soft | complaint
    origin: Mapped[str] = mapped_column(String(16))  # smtp | dsn | arf
    detail: Mapped[str] = mapped_column(Text, default="")


class MailboxMessageRow(Base):
    """A message of the bounce mailbox already handled, by its IMAP identity: never processed twice (0009).

    An IMAP UID names a message only within one UIDVALIDITY of one folder; a server that renumbers a folder
    changes its UIDVALIDITY, and the rows of the old one then name nothing.
    """

    __tablename__ = "mailbox_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(400))  # user@host/folder
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(16))  # recorded | unclassified (left for a person)
    at: Mapped[datetime]
    __table_args__ = (
        UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_mailbox_messages_mailbox_uidvalidity_uid"),
    )


class IssueRow(Base):
    __tablename__ = "issues"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="RESTRICT"))  # 0013
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    editorial: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[str] = mapped_column(String(64), default="newsletter")
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    created_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(320))
    scheduled_at: Mapped[datetime | None]
    not_after: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    __table_args__ = (UniqueConstraint("network_id", "kind", "number", name="uq_issues_network_kind_number"),)


class IssueItemRow(Base):
    __tablename__ = "issue_items"
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), primary_key=True, index=True)
    section: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)


class DeliveryRow(Base):
    """The ledger: one message of one issue to one subscriber, frozen when sending starts."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(320))
    segment: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    smtp_code: Mapped[int | None] = mapped_column(Integer)
    smtp_reply: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[datetime | None]
    sending_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None] = mapped_column(index=True)
    next_attempt_at: Mapped[datetime | None]
    # In flight when a send crashed, then handed back to the queue: the only rows that may have gone out twice.
    requeued_after_crash: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        UniqueConstraint("issue_id", "subscriber_id", name="uq_deliveries_issue_subscriber"),
        Index("ix_deliveries_issue_status_id", "issue_id", "status", "id"),
        # key figures: ledger counts by status over a period (index-only), and distinct recipients per subscriber
        Index("ix_deliveries_status_finished", "status", "finished_at"),
        Index("ix_deliveries_subscriber_status_finished", "subscriber_id", "status", "finished_at"),
    )


class ProposalRow(Base):
    """A member's proposal (0011): ``pending`` until its contact confirms by the emailed link, then the ``new`` item
    it became; ``published`` or ``declined`` once the proposer has been told."""

    __tablename__ = "proposals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="RESTRICT"), index=True)  # 0013
    status: Mapped[str] = mapped_column(String(16))  # pending | confirmed | published | declined
    email: Mapped[str] = mapped_column(String(320))
    organisation: Mapped[str] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the item's fields, checked and sanitised
    image_name: Mapped[str | None] = mapped_column(String(64))  # the re-encoded image's random file name
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"), index=True)
    decided_at: Mapped[datetime | None]  # when the proposer was told it was published or declined
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")  # the editor's, when declined
    __table_args__ = (Index("ix_proposals_status_created", "status", "created_at"),)


class LastCallRow(Base):
    """An approved call or funding item already put in a « Dernier rappel » emailing (0011): never twice."""

    __tablename__ = "last_calls"
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id", ondelete="SET NULL"), index=True)
    drafted_at: Mapped[datetime]


class ClickCountRow(Base):
    """How many times an item of an issue was followed from its emails on one day (0012). Nothing about who: no
    subscriber, no address, no cookie; the key is the whole record."""

    __tablename__ = "click_counts"
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True, index=True)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
