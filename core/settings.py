"""Typed settings, one dataclass per ``config.toml`` table.

Only the composition root (``relais``) calls :func:`load_settings`; packages receive the section they need.
Unknown keys and wrong types stop start-up with a message naming the key and the file.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.config_loader import build
from core.errors import ConfigError


@dataclass(slots=True)
class Social:
    name: str
    url: str


@dataclass(slots=True)
class DkimSettings:
    enabled: bool = False
    domain: str = ""
    selector: str = ""
    key_file: str = ""
    algorithm: str = "rsa-sha256"  # rsa-sha256 | ed25519-sha256


@dataclass(slots=True)
class NetworkSettings:
    # How the database knows this network (``[[networks]]``); a single ``[network]`` is the one migration 0013 made.
    slug: str = "principal"
    name: str = "Relais"
    newsletter_name: str = "La lettre"
    from_address: str = "lettre@example.org"
    from_name: str = ""
    reply_to: str = ""
    base_url: str = "http://127.0.0.1:8000"
    postal_address: str = ""
    logo_url: str = ""
    primary_color: str = "#1d5c8c"
    accent_color: str = "#e07a1f"
    locale: str = "fr"
    timezone: str = "Europe/Paris"
    list_id: str = ""
    social: list[Social] = field(default_factory=list)
    region: str = ""  # « Auvergne-Rhône-Alpes »
    departements: list[str] = field(default_factory=list)  # the region's, as codes: "01", "2A", "974"
    # This network's own DKIM key, for its own sender domain; off: [mail.dkim] signs for it.
    dkim: DkimSettings = field(default_factory=DkimSettings)


@dataclass(slots=True)
class DatabaseSettings:
    url: str = "sqlite:///var/relais.db"
    echo: bool = False


class MailBackend(StrEnum):
    """``[mail] backend``: where messages go."""

    OUTBOX = "outbox"  # one .eml per message in ``outbox_dir`` (the embedded default)
    SMTP = "smtp"  # a pool of connections to ``[mail.smtp]``


class Security(StrEnum):
    """How a connection to a mail server is protected (``[mail.smtp]``, ``[subscribers.bounces]``)."""

    NONE = "none"  # plain: only to a server on this machine
    STARTTLS = "starttls"  # plain, then STARTTLS before anything else
    TLS = "tls"  # TLS from the first byte (SMTPS, IMAPS)


@dataclass(slots=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    security: Security = Security.NONE
    username: str = ""
    password: str = ""  # prefer RELAIS_SMTP_PASSWORD
    timeout: float = 30.0
    connections: int = 4


@dataclass(slots=True)
class MailSettings:
    backend: MailBackend = MailBackend.OUTBOX
    outbox_dir: str = "var/outbox"
    rate_per_second: float = 0.0  # 0: no global limit
    domain_rates: dict[str, float] = field(default_factory=dict)  # per destination domain, msg/s
    max_attempts: int = 5
    error_threshold: float = 0.2  # share of failures that pauses an issue
    processes: int = 1  # sender processes (each with [mail.smtp] connections); >1 for large lists
    send_window: str = ""  # e.g. "mon-fri 08:00-18:00"; empty: any time
    # A send waits for its database (restarted) or its mail system (relay gone, outbox disk full), retrying with
    # backoff up to reconnect_max_delay_seconds apart, and stops with one French line after give_up_after_seconds.
    give_up_after_seconds: float = 300.0
    reconnect_max_delay_seconds: float = 30.0
    # The From domain's published records, as declared (checked before sending; DNS itself when online).
    spf_record: str = ""  # e.g. "v=spf1 include:relay.example -all"
    dmarc_record: str = ""  # e.g. "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org"
    # DNS servers the checks ask (``relais mail check``): "address" or "address:port"; empty: the system's resolver.
    dns_servers: list[str] = field(default_factory=list)
    dns_timeout: float = 5.0  # seconds for each DNS question
    # Items' links in emails go through /r/{issue}/{item}/{signature}, which counts clicks per item and day and
    # nothing about the reader; false: links go straight to their targets.
    count_clicks: bool = True
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    dkim: DkimSettings = field(default_factory=DkimSettings)


@dataclass(slots=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""  # prefer RELAIS_SECRET_KEY; a random one is made for the embedded default
    session_idle_minutes: int = 120  # an admin session unused this long ends (log in again)
    workers: int = 1
    behind_proxy: bool = False
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (behind_proxy only): addresses or CIDRs.
    proxy_addresses: list[str] = field(default_factory=lambda: ["127.0.0.1"])
    # Bearer token for /metrics; empty: /metrics answers 404 unless [demo] enabled (then it is open).
    metrics_token: str = ""
    max_form_bytes: int = 65_536  # request body cap of the public pages (/subscribe, /preferences/…)
    max_admin_form_bytes: int = 2_000_000  # request body cap of the admin's forms (the CSV import has its own)
    body_timeout_seconds: float = 30.0  # a request body still incomplete after this is dropped (408)


class LogFormat(StrEnum):
    """``[logging] format``."""

    TEXT = "text"  # one readable line per event (the default)
    JSON = "json"  # one object per line, for production's log collectors


class LogLevel(StrEnum):
    """``[logging] level``."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(slots=True)
class LoggingSettings:
    level: LogLevel = LogLevel.INFO
    format: LogFormat = LogFormat.TEXT


@dataclass(slots=True)
class SchedulerSettings:
    enabled: bool = True
    newsletter_cron: str = "0 9 1 * *"  # day 1 of each month, 9:00 local time
    jitter_seconds: int = 120
    standby_seconds: float = 15.0  # how often a standby scheduler asks for the lock, and the leader checks it


@dataclass(slots=True)
class WatchSettings:
    user_agent: str = "Relais/0.1 (+https://example.org/relais)"
    timeout: float = 20.0
    max_body_bytes: int = 10_000_000
    max_redirects: int = 5
    concurrency: int = 32
    per_host: int = 4
    max_backoff_seconds: int = 86_400
    min_backoff_seconds: int = 3_600
    parse_workers: int = 2  # processes that parse bodies off the event loop; 0: one thread instead
    # CIDRs that sources may reach although they are loopback, private or link-local (an intranet; the tests
    # and benchmarks serving on 127.0.0.1). Empty: public addresses only (watch.outbound).
    trusted_networks: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Term:
    """One entry of the taxonomy: a slug, its French label, and keywords that suggest it."""

    slug: str
    label: str
    keywords: list[str] = field(default_factory=list)


@dataclass(slots=True)
class TaxonomySettings:
    themes: list[Term] = field(default_factory=list)
    zones: list[Term] = field(default_factory=list)
    territories: list[Term] = field(default_factory=list)
    audiences: list[Term] = field(default_factory=list)


@dataclass(slots=True)
class BounceMailboxSettings:
    """The mailbox where bounces (DSNs) and complaints (ARF) arrive, read over IMAP. Empty ``imap_host``: none."""

    imap_host: str = ""
    imap_port: int = 993
    security: Security = Security.TLS
    username: str = ""
    password: str = ""  # prefer RELAIS_BOUNCES_PASSWORD
    folder: str = "INBOX"
    processed_folder: str = "Relais/Traités"  # where each processed message is moved (created when missing)
    every: str = "10m"  # how often the scheduler reads the mailbox
    timeout: float = 60.0  # seconds for each exchange with the server
    max_message_bytes: int = 2_000_000  # only this much of a larger message is read (the report comes first)


@dataclass(slots=True)
class SubscribersSettings:
    confirm_within_hours: int = 72
    purge_unconfirmed_after_hours: int = 168
    soft_bounce_limit: int = 3
    consent_wording_version: str = "2026-01"
    signup_rate_per_ip_per_hour: int = 20
    signup_rate_per_address_per_hour: int = 3  # confirmation emails one address can trigger in an hour
    bounce_maildir: str = ""
    bounces: BounceMailboxSettings = field(default_factory=BounceMailboxSettings)


@dataclass(slots=True)
class ProposalsSettings:
    """``/propose``: members propose news, events, offers and calls; a confirmed address makes a ``new`` item."""

    enabled: bool = True
    confirm_within_hours: int = 72  # the contact's confirmation link is refused after this
    rate_per_ip_per_hour: int = 10
    rate_per_address_per_hour: int = 3  # proposals (and confirmation emails) one address can make in an hour
    max_image_bytes: int = 5_000_000  # the optional image, before re-encoding
    images_dir: str = "var/proposals"  # re-encoded images, served at /propose/images/<random name>


@dataclass(slots=True)
class DigestSettings:
    """Last calls: a « Dernier rappel » emailing drafted for calls and funding closing soon."""

    last_call_days: int = 10  # an approved call or funding item closing within this many days
    last_call_min_subscribers: int = 1  # confirmed subscribers whose preferences match it, at least
    last_call_auto: bool = False  # approve and send the drafted emailing without a person (else staff review it)


@dataclass(slots=True)
class DemoSettings:
    """The bundled demo: ``relais up`` also imports demo subscribers, approves what it collected, and builds,
    approves and sends the newsletter. Off in production."""

    enabled: bool = False
    subscribers_csv: str = "demo/subscribers.csv"
    admin_email: str = "admin@relais.example"


@dataclass(slots=True)
class SourceSettings:
    name: str
    url: str
    kind: str
    item_kind: str
    every: str = "6h"
    tags: list[str] = field(default_factory=list)
    territory: str = ""
    official: bool = False
    enabled: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    network: str = ""  # a network's slug: that network's source alone; empty: shared by every network


@dataclass(slots=True)
class Settings:
    network: NetworkSettings = field(default_factory=NetworkSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    web: WebSettings = field(default_factory=WebSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    watch: WatchSettings = field(default_factory=WatchSettings)
    taxonomy: TaxonomySettings = field(default_factory=TaxonomySettings)
    subscribers: SubscribersSettings = field(default_factory=SubscribersSettings)
    proposals: ProposalsSettings = field(default_factory=ProposalsSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    demo: DemoSettings = field(default_factory=DemoSettings)
    sources: list[SourceSettings] = field(default_factory=list)
    networks: list[NetworkSettings] = field(default_factory=list)  # ``[[networks]]``; ``network`` is the first
    path: Path | None = None  # the file these settings came from

    @property
    def dkim(self) -> DkimSettings:
        """What signs ``network``'s messages: its own ``dkim`` when on, else ``[mail.dkim]``."""
        return self.network.dkim if self.network.dkim.enabled else self.mail.dkim

    @property
    def all_networks(self) -> list[NetworkSettings]:
        """Every network of the deployment, the first being ``network``: ``[[networks]]``, else ``[network]``."""
        return self.networks or [self.network]

    def resolve(self, relative: str) -> Path:
        """A path from the config, resolved against the config file's folder."""
        p = Path(relative)
        if p.is_absolute() or self.path is None:
            return p
        return self.path.parent / p


ENV_SECRETS = {
    "RELAIS_SMTP_PASSWORD": ("mail", "smtp", "password"),
    "RELAIS_SECRET_KEY": ("web", "secret_key"),
    "RELAIS_DATABASE_URL": ("database", "url"),
    "RELAIS_METRICS_TOKEN": ("web", "metrics_token"),
    "RELAIS_BOUNCES_PASSWORD": ("subscribers", "bounces", "password"),
}


def load_settings(path: Path, environ: dict[str, str] | None = None) -> Settings:
    """Read, validate and type ``config.toml``; secrets may come from the environment."""
    env = os.environ if environ is None else environ
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found", code="config_not_found", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}", code="config_malformed", path=path, detail=exc) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}", code="config_unreadable", path=path, detail=exc) from None
    for var, keys in ENV_SECRETS.items():
        if env.get(var):
            table = raw
            for key in keys[:-1]:
                table = table.setdefault(key, {})
            table[keys[-1]] = env[var]
    if "network" in raw and "networks" in raw:
        raise ConfigError(
            f"{path}: [network] et [[networks]] : l'un ou l'autre (un seul réseau : [network] ; plusieurs :"
            " un [[networks]] pour chacun)",
            code="config_invalid",
            where=str(path),
            key="networks",
            reason="[network] et [[networks]] ensemble",
        )
    settings = build(Settings, raw, where=str(path), skip={"path"})
    if settings.networks:
        settings.network = settings.networks[0]
    settings.path = path.resolve()
    _check(settings, str(path))
    return settings


def _check(s: Settings, where: str) -> None:
    def bad(key: str, reason: str) -> ConfigError:
        """``reason`` is French: the person who reads it is the operator who wrote the file."""
        return ConfigError(f"{where}: {key}: {reason}", code="config_invalid", where=where, key=key, reason=reason)

    if s.web.session_idle_minutes <= 0:
        raise bad("web.session_idle_minutes", "un nombre de minutes positif est attendu")
    if not 0.1 <= s.scheduler.standby_seconds <= 3600:
        raise bad("scheduler.standby_seconds", "un nombre de secondes entre 0,1 et 3600 est attendu")
    box = s.subscribers.bounces
    if box.imap_host and not (box.username and box.folder and box.processed_folder):
        raise bad("subscribers.bounces", "imap_host demande aussi username, folder et processed_folder")
    if box.folder == box.processed_folder:
        raise bad("subscribers.bounces.processed_folder", "doit être un autre dossier que folder")
    if box.max_message_bytes < 65_536:
        raise bad("subscribers.bounces.max_message_bytes", "au moins 65536 octets")
    try:
        parse_duration(box.every)
    except ValueError as exc:
        raise bad("subscribers.bounces.every", str(exc)) from None
    for server in s.mail.dns_servers:
        try:
            parse_dns_server(server)
        except ValueError as exc:
            raise bad("mail.dns_servers", str(exc)) from None
    for address in s.web.proxy_addresses:
        try:
            ipaddress.ip_network(address.strip(), strict=False)
        except ValueError:
            raise bad("web.proxy_addresses", f"ni une adresse ni un réseau CIDR : « {address} »") from None
    for network in s.watch.trusted_networks:
        try:
            ipaddress.ip_network(network.strip(), strict=False)
        except ValueError:
            raise bad("watch.trusted_networks", f"ni une adresse ni un réseau CIDR : « {network} »") from None
    if s.web.max_form_bytes <= 0 or s.web.max_admin_form_bytes <= 0 or s.web.body_timeout_seconds <= 0:
        raise bad("web", "max_form_bytes, max_admin_form_bytes et body_timeout_seconds doivent être positifs")
    if s.digest.last_call_days < 1 or s.digest.last_call_min_subscribers < 1:
        raise bad("digest", "last_call_days et last_call_min_subscribers valent au moins 1")
    if s.proposals.max_image_bytes <= 0 or s.proposals.confirm_within_hours <= 0:
        raise bad("proposals", "max_image_bytes et confirm_within_hours doivent être positifs")
    if not s.database.url.startswith(("sqlite", "postgresql")):
        raise bad("database.url", "une adresse sqlite:/// ou postgresql+psycopg:// est attendue")
    _check_networks(s.all_networks, bad)
    from core.model import DateOrder, ItemKind, SourceKind

    names: set[str] = set()
    for i, src in enumerate(s.sources):
        key = f"sources[{i}]"
        if src.name in names:
            raise bad(f"{key}.name", f"le nom « {src.name} » est déjà celui d'une autre source")
        names.add(src.name)
        if src.kind not in set(SourceKind):
            raise bad(f"{key}.kind", f"l'une de {', '.join(SourceKind)}, pas « {src.kind} »")
        if src.network and src.network not in {n.slug for n in s.all_networks}:
            raise bad(f"{key}.network", f"« {src.network} » n'est le slug d'aucun réseau de la configuration")
        if src.item_kind not in set(ItemKind):
            raise bad(f"{key}.item_kind", f"l'une de {', '.join(ItemKind)}, pas « {src.item_kind} »")
        try:
            parse_duration(src.every)
        except ValueError as exc:
            raise bad(f"{key}.every", str(exc)) from None
        order = src.options.get("date_order")
        if order is not None and order not in set(DateOrder):
            raise bad(f"{key}.options.date_order", f"l'une de {', '.join(DateOrder)}, pas « {order} »")


SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
DEPARTEMENT = re.compile(r"0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-6]")


def network_taxonomy(taxonomy: TaxonomySettings, network: NetworkSettings) -> TaxonomySettings:
    """What a network offers its subscribers and editors: the deployment's themes, zones and audiences, and the
    territories of its own départements (a territory's slug is its département's code); all of them for a network
    that names no département. The watch places items with the whole list. Pure."""
    if not network.departements:
        return taxonomy
    own = set(network.departements)
    return replace(taxonomy, territories=[t for t in taxonomy.territories if t.slug in own])


# The keys of a network the admin's creation form sets; the others keep their defaults (DKIM, social links,
# List-Id: config.toml's to set).
NETWORK_FORM_KEYS = (
    "slug", "name", "newsletter_name", "region", "departements", "base_url", "from_address", "from_name",
    "reply_to", "postal_address", "timezone", "primary_color", "accent_color", "logo_url",
)  # fmt: skip


def network_from_table(table: Mapping[str, Any]) -> NetworkSettings:
    """A network from its keys as a ``[[networks]]`` table has them (a network created in the admin keeps them so)."""
    return build(NetworkSettings, dict(table), where="réseaux (administration)")


def check_networks(networks: list[NetworkSettings], where: str) -> None:
    """:func:`_check_networks` for networks gathered from elsewhere than one file (those created in the admin):
    :class:`ConfigError` whose ``key`` and French ``reason`` name what is wrong."""

    def bad(key: str, reason: str) -> ConfigError:
        return ConfigError(f"{where}: {key}: {reason}", code="config_invalid", where=where, key=key, reason=reason)

    _check_networks(networks, bad)


def _check_networks(networks: list[NetworkSettings], bad: Callable[[str, str], ConfigError]) -> None:
    """Slugs well formed and unique, départements real and in one network only, and, when there are several,
    each network at its own address (its ``base_url``'s host, and its path prefix when networks share a host):
    that is how a request finds its network."""
    several = len(networks) > 1
    slugs: set[str] = set()
    owner: dict[str, str] = {}
    addresses: dict[str, set[str]] = {}  # host -> prefixes
    for i, net in enumerate(networks):
        key = f"networks[{i}]" if several else "network"
        if not SLUG.fullmatch(net.slug):
            raise bad(f"{key}.slug", f"des minuscules, chiffres et tirets (40 au plus), pas « {net.slug} »")
        if net.slug in slugs:
            raise bad(f"{key}.slug", f"« {net.slug} » est déjà celui d'un autre réseau")
        slugs.add(net.slug)
        for code in net.departements:
            if not DEPARTEMENT.fullmatch(code):
                raise bad(f"{key}.departements", f"pas un code de département : « {code} » (par exemple 01, 2A, 974)")
            if code in owner:
                raise bad(f"{key}.departements", f"le département {code} est déjà celui du réseau « {owner[code]} »")
            owner[code] = net.slug
        url = urlsplit(net.base_url)
        if url.query or url.fragment or not PREFIX.fullmatch(url.path.rstrip("/")):
            raise bad(f"{key}.base_url", f"{ADDRESS_RULE}, pas « {net.base_url[:80]} »")
        host, prefix = network_address(net.base_url)
        if several and host in addresses and prefix in addresses[host]:
            where = f"{host}{prefix}"
            raise bad(f"{key}.base_url", f"deux réseaux à la même adresse « {where} » : donnez à chacun la sienne")
        if several and host in addresses and ("" in addresses[host]) != (prefix == ""):
            raise bad(f"{key}.base_url", f"sur l'hôte « {host} », un seul réseau à la racine ou chacun sous son chemin")
        addresses.setdefault(host, set()).add(prefix)


# A network's public address: its host, and a path prefix of one segment when several networks share a host.
PREFIX = re.compile(r"(?:/[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)?")
ADDRESS_RULE = "une adresse http(s)://hôte, ou http(s)://hôte/chemin (un segment : minuscules, chiffres et tirets)"


def network_address(base_url: str) -> tuple[str, str]:
    """Where a network's requests arrive: its ``base_url``'s host and port in lower case, and its path prefix
    (``""`` at the root of its host, else ``"/segment"``)."""
    url = urlsplit(base_url)
    return (url.netloc or base_url).lower(), url.path.rstrip("/") if url.netloc else ""


def parse_dns_server(text: str) -> tuple[str, int]:
    """``"192.0.2.53"``, ``"192.0.2.53:5353"``, ``"2001:db8::53"`` or ``"[2001:db8::53]:5353"`` → (address, port)."""
    raw = text.strip()
    host, port = raw, "53"
    if raw.startswith("[") and "]:" in raw:
        host, port = raw[1:].split("]:", 1)
    elif raw.count(":") == 1:
        host, port = raw.split(":", 1)
    try:
        address = str(ipaddress.ip_address(host))
        number = int(port)
    except ValueError:
        raise ValueError(f"pas une adresse IP (ni adresse:port) : « {text} »") from None
    if not 0 < number < 65536:
        raise ValueError(f"pas un port : « {text} »")
    return address, number


def parse_duration(text: str) -> int:
    """``"6h"``, ``"30m"``, ``"1d"``, ``"90s"`` or ``"1h30m"`` → seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    total, number = 0, ""
    for ch in text.strip():
        if ch.isdigit():
            number += ch
        elif ch in units and number:
            total += int(number) * units[ch]
            number = ""
        else:
            raise ValueError(f"pas une durée : « {text} » (par exemple 30m, 6h, 1d)")
    if number or total <= 0:
        raise ValueError(f"pas une durée : « {text} » (par exemple 30m, 6h, 1d)")
    return total
