"""The one place where Relais is wired: settings in, services out."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.clock import Clock, SystemClock
from core.errors import InvalidInput, StorageError
from core.files import create_private_once, private_dir
from core.model import ItemKind, Source, SourceKind, Stream, Subscriber
from core.settings import (
    MailBackend,
    NetworkSettings,
    Settings,
    check_networks,
    load_settings,
    network_from_table,
    network_taxonomy,
    parse_duration,
)
from digest.clicks import ClickLinks
from digest.service import DigestService
from storage.database import Database
from storage.migrate import check_not_newer, current_revision, is_up_to_date
from storage.networks import FIRST_NETWORK, Declared, NetworkRepository, enforce_policies
from storage.sources import SourceRepository
from subscribers.describe import describe_segment
from subscribers.kit import SubscriberKit, make_kit
from subscribers.mailer import SystemEmailRenderer, SystemMailer
from subscribers.preferences import Choices

if TYPE_CHECKING:
    from delivery.dkim import Signer
    from delivery.mailers.base import Mailer
    from delivery.seams import BounceSink, PersonalLinks, Segmenter
    from delivery.send import SendContext
    from digest.alerts import Alerts
    from watch.outbound import OutboundPolicy
    from watch.service import Watch

DEFAULT_CONFIG = "config.toml"


def config_path(explicit: str | None = None) -> Path:
    """``--config``, else ``RELAIS_CONFIG``, else ``./config.toml``."""
    return Path(explicit or os.environ.get("RELAIS_CONFIG") or DEFAULT_CONFIG)


def resolve_database_url(settings: Settings) -> str:
    """Relative SQLite paths resolve against the config file's folder."""
    url = settings.database.url
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str(settings.resolve(url[len(prefix) :]))
    return url


@dataclass
class Services:
    """Everything the triggers need, built once from settings: the deployment's, or one network's
    (:meth:`for_network`), whose ``settings.network`` is that network and whose database sessions keep to its rows."""

    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    network_id: int | None = None  # None: the deployment (its first network wherever a network is needed)
    _network_ids: dict[str, int] | None = field(default=None, repr=False)
    _syncing: threading.Lock = field(default_factory=threading.Lock, repr=False)  # one first sync per process
    _adopting: threading.Lock = field(default_factory=threading.Lock, repr=False)  # adopt_created_networks

    def require_schema(self) -> None:
        """Refuse to run on a database that is unmigrated or newer than this code."""

        self.db.ping()
        check_not_newer(self.db)
        if not is_up_to_date(self.db):
            raise StorageError("the database schema is not up to date: run 'relais db upgrade'", code="schema_behind")

    @property
    def secret_key(self) -> str:
        """``[web] secret_key`` (or RELAIS_SECRET_KEY); else a random key kept in ``var/secret_key``. A network
        other than the first signs with a key of its own, derived from that one: its cookies and personal links
        mean nothing to another network."""
        if self.settings.web.secret_key:
            key = self.settings.web.secret_key
        else:
            path = self.settings.resolve("var/secret_key")
            if not path.exists():  # 0600 from the start, not chmod-ed after being written readable
                create_private_once(private_dir(path.parent) / path.name, secrets.token_urlsafe(48).encode("ascii"))
            key = path.read_text(encoding="ascii").strip()
        if self.network_id in (None, FIRST_NETWORK):
            return key
        slug = self.settings.network.slug.encode("utf-8")
        return hmac.new(key.encode("utf-8"), b"relais network " + slug, hashlib.sha256).hexdigest()

    @property
    def several_networks(self) -> bool:
        return len(self.settings.all_networks) > 1

    def for_network(self, slug: str, *, operator: bool = False) -> Services:
        """One network's services: its identity as ``settings.network``, its rows only (0013). ``operator``: the
        command line's (``relais --reseau``), where the deployment's operator may do more than a network's pages."""
        network = next((n for n in self.settings.all_networks if n.slug == slug), None)
        if network is None:
            raise InvalidInput(f"réseau inconnu : « {slug} »", code="unknown_network", network=slug)
        with self._syncing:  # the scheduler starts every network's send at once, each in its thread
            if self._network_ids is None:
                self._network_ids = sync_networks(self)
                if self.several_networks:
                    self.db.guard_networks()  # each transaction says whose it is, for the row policies
        ids = self._network_ids
        return Services(
            settings=dataclasses.replace(
                self.settings, network=network, taxonomy=network_taxonomy(self.settings.taxonomy, network)
            ),
            db=self.db.for_network(ids[slug], operator=operator),
            clock=self.clock,
            network_id=ids[slug],
        )

    def networks(self) -> list[Services]:
        """Every network's services, the first first."""
        return [self.for_network(n.slug) for n in self.settings.all_networks]

    def close(self) -> None:
        self.db.dispose()


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    db = Database(resolve_database_url(settings), echo=settings.database.echo)
    return Services(settings=settings, db=db, clock=clock or SystemClock())


def load(explicit_config: str | None = None, *, clock: Clock | None = None) -> Services:
    """The services of ``config.toml``; a command that works with the database adds the networks created in the
    admin (:func:`with_created_networks`) once it knows the schema is there, so that one that needs no database
    (``relais config check``) never waits for one."""
    return build_services(load_settings(config_path(explicit_config)), clock=clock)


SETTINGS_REVISION = "0015"  # the migration that gives networks their settings (those created in the admin)


def with_created_networks(services: Services) -> Services:
    """The services with the networks created in the admin added after those of ``config.toml`` (which wins on a
    slug both name). A database not yet at the migration that stores them has none."""
    revision = current_revision(services.db)
    if revision is None or revision < SETTINGS_REVISION:
        return services
    with services.db.deployment().reading() as s:
        stored = [row.settings for row in NetworkRepository(s).listing() if row.settings]
    declared = {n.slug for n in services.settings.all_networks}
    created = [net for net in (network_from_table(t) for t in stored) if net.slug not in declared]
    if not created:
        return services
    settings = dataclasses.replace(services.settings, networks=[*services.settings.all_networks, *created])
    check_networks(settings.networks, "réseaux créés dans l'administration")
    return dataclasses.replace(services, settings=settings)


def adopt_created_networks(services: Services) -> list[NetworkSettings]:
    """Add to the deployment's ``services``, in place, the networks created in the admin since they were built (a
    running process's web pages and scheduler serve them from then on, without a restart); the new ones."""
    with services._adopting:
        grown = with_created_networks(services)
        new = grown.settings.all_networks[len(services.settings.all_networks) :]
        if new:
            with services._syncing:
                services.settings, services._network_ids = grown.settings, None  # ids synced again on next use
        return new


def declared_sources(settings: Settings, networks: dict[str, int] | None = None) -> list[Source]:
    """The ``[[sources]]`` of the config as domain sources; local paths resolve against the config's folder. A
    source given a ``network`` is that network's alone (``networks``: slug -> id); the others are shared."""
    out = []
    for s in settings.sources:
        url = s.url
        if "://" not in url:
            url = str(settings.resolve(url))
        out.append(
            Source(
                name=s.name,
                url=url,
                kind=SourceKind(s.kind),
                item_kind=ItemKind(s.item_kind),
                every_seconds=parse_duration(s.every),
                tags=list(s.tags),
                territory=s.territory or None,
                official=s.official,
                enabled=s.enabled,
                options=dict(s.options),
                origin="config",
                network_id=(networks or {}).get(s.network) if s.network else None,
            )
        )
    return out


def outbound_policy(settings: Settings) -> OutboundPolicy:
    """What the watch may reach: public addresses, ``[watch] trusted_networks``, and the local files written as
    ``[[sources]]`` in the config (nothing else on disk: not a link, a redirect, the admin's form or an import)."""
    from watch.outbound import OutboundPolicy, is_local

    local_files = [s.url for s in declared_sources(settings) if is_local(s.url)]
    return OutboundPolicy.from_settings(settings.watch.trusted_networks, local_files)


def sync_sources(services: Services) -> tuple[int, int]:
    """Make the database's sources match the config's declarations."""
    networks = sync_networks(services) if any(src.network for src in services.settings.sources) else None
    with services.db.deployment().session() as s:  # every source, whichever network's services ask
        return SourceRepository(s).sync_from_config(declared_sources(services.settings, networks))


def sync_networks(services: Services) -> dict[str, int]:
    """Give every network of the config its row in the database (slug -> id); on PostgreSQL, row-level security
    on with several networks, off with one (migration 0014)."""
    declared = [Declared(n.slug, n.name) for n in services.settings.all_networks]
    with services.db.session() as s:
        ids = NetworkRepository(s).sync(declared, services.clock.now())
        enforce_policies(s.connection(), len(declared) > 1)
        return ids


def digest_service(services: Services) -> DigestService:
    """The digest (assembly, segments, rendering) over the configured database, clock and network identity."""
    s = services.settings
    clicks = ClickLinks(services.secret_key, s.network.base_url) if s.mail.count_clicks else None
    return DigestService(db=services.db, clock=services.clock, network=s.network, taxonomy=s.taxonomy, clicks=clicks)


def alert_service(services: Services) -> Alerts:
    """The alert editions (:mod:`digest.alerts`) over the digest."""
    return digest_service(services).alerts


def build_subscribers(services: Services, mailer: SystemMailer | None = None) -> SubscriberKit:
    """Links, flows and bounce recording. System emails take the one send path: subscribers renders them, delivery
    composes and signs them (``[mail.dkim]``) and hands them to the configured mailer (:func:`make_mailer`)."""
    if mailer is None:
        from delivery.compose import Sender
        from delivery.system import SystemEmails

        net = services.settings.network
        sender = Sender(net.from_address, net.from_name or net.name, net.reply_to)
        mailer = SystemEmails(
            SystemEmailRenderer(net), make_mailer(services), sender, services.clock, signer=make_signer(services)
        )
    return make_kit(services.db, services.clock, services.settings, services.secret_key, mailer)


def watch_service(services: Services) -> Watch:
    """The watch over the services' database and clock, with the taxonomy's tag rules and a parse pool."""
    from watch.service import Watch, process_pool, taxonomy_rules
    from watch.store import Follower

    settings = services.settings
    followers: tuple[Follower, ...] = ()
    if services.several_networks:  # each network stores what it follows, in its own rows
        ids = sync_networks(services)
        followers = tuple(Follower(ids[n.slug], frozenset(n.departements)) for n in settings.all_networks)
    return Watch(
        db=services.db.deployment(),  # the deployment's: every source, each network's rows stored by its own handle
        followers=followers,
        settings=settings.watch,
        policy=outbound_policy(settings),
        clock=services.clock,
        rules=taxonomy_rules(services.settings.taxonomy),
        parse_pool=process_pool(services.settings.watch.parse_workers)
        if services.settings.watch.parse_workers
        else None,
    )


# -- delivery ------------------------------------------------------------------------------------------------


def make_mailer(services: Services) -> Mailer:
    """``[mail] backend``: ``outbox`` (one .eml per message in ``outbox_dir``) or ``smtp`` (a connection pool)."""
    from delivery.mailers.outbox import OutboxMailer
    from delivery.mailers.smtp import SmtpConfig, SmtpMailer

    mail = services.settings.mail
    if mail.backend == MailBackend.SMTP:
        c = mail.smtp
        return SmtpMailer(SmtpConfig(c.host, c.port, c.security, c.username, c.password, c.timeout, c.connections))
    return OutboxMailer(services.settings.resolve(mail.outbox_dir))


def make_send_context(
    services: Services,
    *,
    segmenter: Segmenter,
    links: PersonalLinks,
    bounces: BounceSink,
    mailer: Mailer | None = None,
) -> SendContext:
    """The send loop's dependencies from settings; the digest and subscribers provide the three seams."""
    from delivery.compose import Sender
    from delivery.outage import Patience
    from delivery.send import SendConfig, SendContext
    from delivery.window import parse_window

    net, mail = services.settings.network, services.settings.mail
    base = net.base_url.rstrip("/")
    return SendContext(
        db=services.db,
        mailer=mailer or make_mailer(services),
        segmenter=segmenter,
        links=links,
        bounces=bounces,
        clock=services.clock,
        sender=Sender(net.from_address, net.from_name, net.reply_to, net.list_id, net.newsletter_name),
        secret=services.secret_key,
        view_url=lambda issue_id: f"{base}/archives/{issue_id}",
        config=SendConfig(
            max_attempts=mail.max_attempts,
            error_threshold=mail.error_threshold,
            rate_per_second=mail.rate_per_second,
            domain_rates=dict(mail.domain_rates),
            window=parse_window(mail.send_window, net.timezone),
            processes=max(1, mail.processes),
            patience=Patience(mail.give_up_after_seconds, mail.reconnect_max_delay_seconds),
        ),
        signer=make_signer(services),
    )


def make_signer(services: Services) -> Signer | None:
    """The network's DKIM key (``[network.dkim]``, else ``[mail.dkim]``): the signer of every message, bulk or
    system; None when DKIM is off."""
    from delivery.dkim import Signer

    dkim = services.settings.dkim
    if not dkim.enabled:
        return None
    return Signer.from_file(dkim.domain, dkim.selector, services.settings.resolve(dkim.key_file), dkim.algorithm)


def delivery_seams(
    services: Services, digest: DigestService | None = None
) -> tuple[Segmenter, PersonalLinks, BounceSink]:
    """The digest's segmenter, and subscribers' personal links and bounce sink."""
    from delivery.seams import Segmentation

    digest = digest or digest_service(services)
    kit = build_subscribers(services)

    choices = Choices.from_taxonomy(services.settings.taxonomy)

    def segmenter(issue_id: int, subscribers: Sequence[Subscriber]) -> Segmentation:
        pairs = digest.render_segments(issue_id, subscribers)  # an alert edition's too (digest.alerts)
        owner = {sid: seg.key for seg, _ in pairs for sid in seg.subscriber_ids}
        prefs = {sub.id: sub.preferences for sub in subscribers if sub.id is not None}
        return Segmentation(
            segments={seg.key: rendered for seg, rendered in pairs},
            segment_of=lambda sub: owner.get(sub.id) if sub.id is not None else None,
            descriptions={
                seg.key: describe_segment((prefs[sid] for sid in seg.subscriber_ids if sid in prefs), choices)
                for seg, _ in pairs
            },
        )

    return segmenter, PersonalOrSampleLinks(kit.links, services.settings.network.base_url), kit.bounces


class PersonalOrSampleLinks:
    """Subscribers' signed personal links for real recipients; for subscriber 0 (test copies and ``.eml`` previews,
    which belong to no subscriber) links to the public subscription page instead of a signed link nobody owns.
    Production code: every send and test copy goes through it."""

    def __init__(self, links: PersonalLinks, base_url: str) -> None:
        self.links, self.sample = links, f"{base_url.rstrip('/')}/subscribe"

    def prepare(self, subscriber_ids: Iterable[int]) -> None:
        self.links.prepare(subscriber_ids)

    def unsubscribe_url(self, subscriber_id: int, stream: Stream | None = None) -> str:
        return self.links.unsubscribe_url(subscriber_id, stream) if subscriber_id > 0 else self.sample

    def preferences_url(self, subscriber_id: int) -> str:
        return self.links.preferences_url(subscriber_id) if subscriber_id > 0 else self.sample

    def unsubscribe_mailto(self, subscriber_id: int, stream: Stream | None = None) -> str:
        return self.links.unsubscribe_mailto(subscriber_id, stream) if subscriber_id > 0 else self.sample
