"""The web trigger: the Starlette app from :mod:`admin`, its seams filled from the services, with the scheduler in
its lifespan when asked."""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from admin.app import WebContext, create_app
from admin.seams import NetworkAdmin, SenderDns, Sending
from admin.web import route_path
from core.clock import Clock
from core.model import Item, Source
from core.settings import Settings, network_address
from curation.desk import CurationDesk
from curation.proposals import ProposalService
from curation.validate import Taxonomy
from delivery.desk import LedgerDesk
from digest.desk import IssueDesk
from digest.service import DigestService
from figures.desk import FiguresDesk
from relais.networks import NetworkRegistry
from relais.web_sending import BackgroundSending, background_sending
from relais.wiring import Services, adopt_created_networks, build_subscribers, watch_service
from storage.database import Database
from storage.migrate import current_revision
from subscribers.accounts import Accounts
from subscribers.desk import SubscriberDesk
from subscribers.kit import SubscriberKit

if TYPE_CHECKING:
    from watch.discovery import Discovery
    from watch.service import SourceResult, Watch

log = logging.getLogger(__name__)


class WebWatch:
    """The watch for "collecter maintenant" and source previews, built on first use (its parse workers are
    processes: a web worker that never collects never starts them) and closed with the app."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._watch: Watch | None = None
        self._lock = threading.Lock()

    def _get(self) -> Watch:
        with self._lock:
            if self._watch is None:
                self._watch = watch_service(self.services)
            return self._watch

    async def collect_now(self, names: Sequence[str] | None) -> list[SourceResult]:
        return await self._get().collect_async(names, force=True)

    async def preview(self, source: Source) -> list[Item]:
        return await self._get().preview_async(source)

    async def discover(self, url: str) -> Discovery:
        return await self._get().discover_async(url)

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()


def health_of(db: Database) -> Callable[[], str | None]:
    """``/healthz``'s check: the database answers, and its schema revision (``StorageError`` otherwise)."""

    def check() -> str | None:
        db.ping()
        return current_revision(db)

    return check


def build_web_context(
    settings: Settings,
    db: Database,
    clock: Clock,
    *,
    secret_key: str | None = None,
    subscribers: SubscriberKit | None = None,
    sending: Sending | None = None,
    proposals: ProposalService | None = None,
    sender_dns: SenderDns | None = None,
    upload_limits: Mapping[str, int] | None = None,
    upload_dir: Path | None = None,
    collect_now: Callable[[list[str] | None], Any] | None = None,
    preview_source: Callable[[Source], Any] | None = None,
    discover_source: Callable[[str], Any] | None = None,
    https_only_cookies: bool = False,
    national_figures: FiguresDesk | None = None,
    networks: NetworkAdmin | None = None,
) -> WebContext:
    """The web layer's services over ``db``, each built once; the seams are what the caller has (tests give fakes
    or leave them out)."""
    taxonomy = Taxonomy.from_settings(settings.taxonomy)
    # The admin's previews and pages render issues without counted links: those are for the emails sent.
    digest = DigestService(db=db, clock=clock, network=settings.network, taxonomy=settings.taxonomy)
    return WebContext(
        settings=settings,
        clock=clock,
        accounts=Accounts(db),
        curation=CurationDesk(db, clock, taxonomy),
        digest=digest,
        issues=IssueDesk(db, clock, settings.network),
        ledger=LedgerDesk(db),
        figures=FiguresDesk(db, settings.taxonomy),
        subscriber_desk=SubscriberDesk(db, clock),
        health=health_of(db),
        secret_key=secrets.token_urlsafe(32) if secret_key is None else secret_key,
        collect_now=collect_now,
        preview_source=preview_source,
        discover_source=discover_source,
        https_only_cookies=https_only_cookies,
        subscribers=subscribers,
        sending=sending,
        proposals=proposals,
        sender_dns=sender_dns,
        upload_limits=dict(upload_limits or {}),
        upload_dir=upload_dir,
        national_figures=national_figures,
        networks=networks,
    )


def web_context(
    services: Services,
    watch: WebWatch | None = None,
    sending: BackgroundSending | None = None,
    deployment: Services | None = None,
    on_created: Callable[[], None] | None = None,
) -> WebContext:
    """The production context: every seam wired from the services (``watch`` and ``sending``: the app's own, which
    it closes when it stops; ``deployment``: the services of every network, for the super-admins' networks page;
    ``on_created``: what serves a network created there)."""
    settings = services.settings
    from relais.presend_dns import PresendDns
    from relais.proposals import build_proposals, upload_limits

    watch = watch or WebWatch(services)
    kit = build_subscribers(services)
    return build_web_context(
        settings,
        services.db,
        services.clock,
        secret_key=services.secret_key,
        https_only_cookies=settings.network.base_url.startswith("https://"),
        collect_now=watch.collect_now,
        preview_source=watch.preview,
        discover_source=watch.discover,
        subscribers=kit,
        sending=sending or background_sending(services),
        proposals=build_proposals(services, kit.service.mailer),
        upload_limits=upload_limits(services),
        sender_dns=PresendDns(settings, services.clock),  # shown before a send (admin/presend.py)
        national_figures=FiguresDesk(services.db.deployment(), settings.taxonomy, national=True)
        if services.several_networks
        else None,
        networks=NetworkRegistry(deployment or services, on_created),
    )


Parts = tuple[WebWatch, BackgroundSending]


class NetworkDispatch:
    """The networks behind one server: each request goes to the app of the network whose address it names (its
    ``base_url``'s host, and its path prefix when networks share a host: the app then sees the prefix as its
    ``root_path``), and only there. An address no network has gets the network when the deployment has one (it
    answers at any address, as it always has), else 421 (Misdirected Request) and nothing of any network.

    A network created in the admin is served without a restart: at once by the process where it was created, and
    by every other process from the first request to its host (an unknown host makes it look at the stored
    networks, at most every ``look_every`` seconds, so that stray hosts cost one read now and then)."""

    def __init__(self, services: Services, lifespan: Callable[[list[Parts]], ASGIApp], look_every: float = 2.0) -> None:
        self.services = services  # the deployment's: grows in place (relais.wiring.adopt_created_networks)
        self.apps: dict[tuple[str, str], ASGIApp] = {}  # (host, path prefix) -> the network's app
        self.parts: list[Parts] = []  # each network's watch and sender, closed with the app
        self.look_every = look_every
        self._looked = -math.inf
        self._growing = threading.Lock()
        self.fallback: Starlette | None = None
        if services.several_networks:
            for net in services.networks():
                self._serve(net)
        else:
            self.fallback = self._serve(services)
        self.lifespan = lifespan(self.parts)

    def _serve(self, net: Services) -> Starlette:
        watch, sending = WebWatch(net), background_sending(net)
        app = create_app(web_context(net, watch, sending, self.services, on_created=self.grow))
        self.parts.append((watch, sending))
        self.apps[network_address(net.settings.network.base_url)] = app
        return app

    def grow(self, *, now: bool = True) -> None:
        """Serve the networks created in the admin since this process started (``now``: look whatever the time
        since the last look)."""
        with self._growing:
            if not now and time.monotonic() - self._looked < self.look_every:
                return
            self._looked = time.monotonic()
            adopt_created_networks(self.services)
            for net in self.services.settings.all_networks:  # also those the scheduler of this process adopted
                if network_address(net.base_url) not in self.apps:
                    self._serve(self.services.for_network(net.slug))
                    log.info("web.network_served", extra={"network": net.slug})

    def _find(self, host: str, path: str) -> tuple[ASGIApp, str] | None:
        """The app at ``host`` whose prefix ``path`` starts with (one segment: at most two lookups), and the
        prefix."""
        segment = "/" + path.split("/", 2)[1] if path.startswith("/") else ""
        for prefix in (segment, ""):
            app = self.apps.get((host, prefix))
            if app is not None and (prefix == "" or path == prefix or path.startswith(prefix + "/")):
                return app, prefix
        return None

    async def _grown(self, host: str, path: str) -> tuple[ASGIApp, str] | None:
        if time.monotonic() - self._looked >= self.look_every:
            try:
                await anyio.to_thread.run_sync(lambda: self.grow(now=False))
            except Exception:  # the request is still answered as it would have been
                log.exception("web.networks_unreadable")
        return self._find(host, path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(scope, receive, send)
            return
        host = next((v.decode("latin-1").lower() for k, v in scope.get("headers", ()) if k == b"host"), "")
        path = route_path(scope)  # within a root_path the server was given (a proxy's)
        found = self._find(host, path) or await self._grown(host, path)
        app, prefix = found if found is not None else (self.fallback, "")
        if app is not None and prefix:
            if path == prefix and scope["type"] == "http":  # the network's home page: with its slash
                query = scope.get("query_string", b"").decode("latin-1")
                target = scope.get("root_path", "") + prefix + "/" + (f"?{query}" if query else "")
                await RedirectResponse(target, status_code=308)(scope, receive, send)
                return
            scope = {**scope, "root_path": scope.get("root_path", "") + prefix}
        if app is None and scope["type"] == "http":
            response = PlainTextResponse("Aucun réseau n'est servi à cette adresse.", status_code=421)
            await response(scope, receive, send)
            return
        if app is None:
            return  # a websocket to an unknown host: closed unanswered
        await app(scope, receive, send)


def build_app(services: Services, *, with_scheduler: bool = False) -> NetworkDispatch:
    """The web app of the deployment: each network's pages at its host, the scheduler in its lifespan when asked."""
    return NetworkDispatch(services, lambda parts: Starlette(lifespan=_lifespan(services, with_scheduler, parts)))


def _lifespan(
    services: Services, with_scheduler: bool, parts: Sequence[Parts]
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """The scheduler when asked, and each watch and sender closed when the app stops (a send under way finishes its
    batch and is resumed by the next start; ``parts`` grows with the networks served since the start)."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        scheduler = None
        if with_scheduler:
            from relais.scheduler import lead

            scheduler = lead(services)
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            for watch, sending in parts:
                watch.close()
                sending.close()

    return lifespan
