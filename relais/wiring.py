"""The one place where Relais is wired: settings in, services out."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.clock import Clock, SystemClock
from core.model import ItemKind, Source, SourceKind
from core.settings import Settings, load_settings, parse_duration
from digest.service import DigestService
from storage.database import Database
from storage.migrate import check_not_newer, is_up_to_date
from storage.sources import SourceRepository
from subscribers.kit import SubscriberKit, make_kit
from subscribers.mailer import EmailSystemMailer, SystemEmailRenderer, SystemMailer, outbox_transport, smtp_transport

if TYPE_CHECKING:
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
    """Everything the triggers need, built once from settings."""

    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)

    def require_schema(self) -> None:
        """Refuse to run on a database that is unmigrated or newer than this code."""
        from core.errors import StorageError

        self.db.ping()
        check_not_newer(self.db)
        if not is_up_to_date(self.db):
            raise StorageError("the database schema is not up to date: run 'relais db upgrade'")

    @property
    def secret_key(self) -> str:
        """``[web] secret_key`` (or RELAIS_SECRET_KEY); else a random key kept in ``var/secret_key``."""
        if self.settings.web.secret_key:
            return self.settings.web.secret_key
        path = self.settings.resolve("var/secret_key")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48), encoding="ascii")
            path.chmod(0o600)
        return path.read_text(encoding="ascii").strip()

    def close(self) -> None:
        self.db.dispose()


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    db = Database(resolve_database_url(settings), echo=settings.database.echo)
    return Services(settings=settings, db=db, clock=clock or SystemClock())


def load(explicit_config: str | None = None, *, clock: Clock | None = None) -> Services:
    return build_services(load_settings(config_path(explicit_config)), clock=clock)


def declared_sources(settings: Settings) -> list[Source]:
    """The ``[[sources]]`` of the config as domain sources; local paths resolve against the config's folder."""
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
            )
        )
    return out


def sync_sources(services: Services) -> tuple[int, int]:
    """Make the database's sources match the config's declarations."""
    with services.db.session() as s:
        return SourceRepository(s).sync_from_config(declared_sources(services.settings))


def digest_service(services: Services) -> DigestService:
    """The digest (assembly, segments, rendering) over the configured database, clock and network identity."""
    s = services.settings
    return DigestService(db=services.db, clock=services.clock, network=s.network, taxonomy=s.taxonomy)


def build_subscribers(services: Services, mailer: SystemMailer | None = None) -> SubscriberKit:
    """Links, flows and bounce recording; system emails go through ``[mail]`` (SMTP or the outbox folder)."""
    if mailer is None:
        mail = services.settings.mail
        if mail.backend == "smtp":
            smtp = mail.smtp
            password = os.environ.get("RELAIS_SMTP_PASSWORD", smtp.password)
            transport = smtp_transport(
                smtp.host, smtp.port, security=smtp.security, username=smtp.username, password=password,
                timeout=smtp.timeout,
            )  # fmt: skip
        else:
            transport = outbox_transport(services.settings.resolve(mail.outbox_dir))
        mailer = EmailSystemMailer(SystemEmailRenderer(services.settings.network), transport)
    return make_kit(services.db, services.clock, services.settings, services.secret_key, mailer)


def watch_service(services: Services) -> Watch:
    """The watch over the services' database and clock, with the taxonomy's tag rules and a parse pool."""
    from watch.service import Watch, process_pool, taxonomy_rules

    return Watch(
        db=services.db,
        settings=services.settings.watch,
        clock=services.clock,
        rules=taxonomy_rules(services.settings.taxonomy),
        parse_pool=process_pool(services.settings.watch.parse_workers)
        if services.settings.watch.parse_workers
        else None,
    )
