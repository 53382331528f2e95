"""The web framework shared by every page: context, templates with Babel i18n, flash messages, CSRF.

Pages call :func:`render` to answer with a template and :func:`read_form` to read a POSTed form: it checks the
CSRF token (forms carry ``csrf_token``; htmx sends the ``X-CSRF-Token`` header) and answers 403 otherwise. The public
pages, which have no session to check against, read theirs with :func:`read_public_form`. Either way every field
arrives without control characters (:func:`core.text.strip_controls`). Templates put outside URLs in ``href`` and
``src`` through the ``safe_url`` filter (:func:`core.text.safe_url`).
"""

from __future__ import annotations

import gettext
import io
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from admin.labels import label
from admin.seams import Health, NetworkAdmin, SenderDns, Sending
from admin.throttle import LoginThrottle
from core.clock import Clock
from core.model import Role, Source
from core.settings import Settings
from core.text import safe_url, strip_controls, unicode_address
from curation.desk import CurationDesk
from curation.proposals import ProposalService
from delivery.desk import LedgerDesk
from digest.desk import IssueDesk
from digest.service import DigestService
from figures.desk import FiguresDesk
from subscribers.accounts import Accounts, has_role
from subscribers.desk import SubscriberDesk
from subscribers.kit import SubscriberKit

T = TypeVar("T")
HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
LOCALES = HERE / "locale"


@dataclass
class WebContext:
    """What the routes need, built once by the composition root (:func:`relais.web.build_web_context`) and kept on
    ``app.state.ctx``: the settings, the clock, and the typed services the pages call (each owns its database).

    The optional fields are seams to capabilities the composition root wires when it has them (the web layer does
    not build them): collecting a source now, previewing or discovering a source, the subscribers' public flows,
    background sends, members' proposals, the sender's DNS checks. A page whose seam is missing says so.
    """

    settings: Settings
    clock: Clock
    accounts: Accounts
    curation: CurationDesk
    digest: DigestService  # the issues' edits, rendering and approval
    issues: IssueDesk  # lists of issues, approved items, drafts' copies and deletion, counted links
    ledger: LedgerDesk
    figures: FiguresDesk
    subscriber_desk: SubscriberDesk  # the staff's subscriber pages
    health: Health
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    collect_now: Callable[[list[str] | None], Any] | None = None
    preview_source: Callable[[Source], Any] | None = None  # list[Item], or an awaitable of it
    discover_source: Callable[[str], Any] | None = None  # watch.discovery.Discovery, or an awaitable of it
    https_only_cookies: bool = False
    subscribers: SubscriberKit | None = None  # the public flows: sign-up, preferences, unsubscribe
    sending: Sending | None = None
    proposals: ProposalService | None = None
    sender_dns: SenderDns | None = None  # shown before a send (admin/presend.py)
    national_figures: FiguresDesk | None = None  # several networks: every network added up, for super-admins
    networks: NetworkAdmin | None = None  # the deployment's networks, listed and created by super-admins
    upload_limits: Mapping[str, int] = field(default_factory=dict)  # public paths taking a file, their cap
    upload_dir: Path | None = None  # where CSV uploads wait between the dry run and the import
    # State the web app keeps for its lifetime (per process).
    login_throttle: LoginThrottle = field(init=False)
    password_resets: dict[str, datetime] = field(default_factory=dict)  # address -> when a reset was last asked
    row_cache: OrderedDict[tuple[object, ...], str] = field(default_factory=OrderedDict)  # triage rows
    filters_cache: OrderedDict[tuple[object, ...], Markup] = field(default_factory=OrderedDict)  # triage filters

    def __post_init__(self) -> None:
        self.login_throttle = LoginThrottle(self.clock)


# Admin navigation: (path, label, least role). Page modules register their entry with :func:`nav`.
NAV: list[tuple[str, str, Role]] = []
SUPERADMIN_NAV: set[str] = set()  # entries shown to super-admins only


def nav(path: str, label: str, role: Role, *, superadmin: bool = False) -> None:
    if all(entry[0] != path for entry in NAV):
        NAV.append((path, label, role))
    if superadmin:
        SUPERADMIN_NAV.add(path)


def ctx_of(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


# Where a request's short database work runs: inline on the worker's event loop (the default), or in a thread for a
# page taking its turn while one-clicks arrive (set per request by relais.priority.Lanes).
DATABASE_INLINE: ContextVar[bool] = ContextVar("database_inline", default=True)


async def blocking(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)``, a request's short database work (a few statements), inline on the event loop, or in a
    thread when :data:`DATABASE_INLINE` says so (:class:`relais.priority.Lanes`: a page taking its turn while
    one-clicks arrive).

    Inline, a PostgreSQL round trip blocks the whole loop: under ``python -m bench load`` a one-click unsubscribe
    worked 8-10 ms but waited 200-500 ms behind the round trips of the pages around it. In a thread, every hand-off
    waits for the OS and the GIL: every page in a thread cost ``bench triage`` (8 clients) 166 -> 114 req/s on
    SQLite, and all requests in threads cost ``bench load`` 188 -> 134 req/s on PostgreSQL. So pages run inline
    unless one-clicks are arriving; the one-click itself always runs inline. Long work (a report, an export) goes
    to a thread explicitly."""
    if DATABASE_INLINE.get():
        return fn(*args)
    return await run_in_threadpool(fn, *args)


# --- i18n -------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def translations(locale: str) -> gettext.NullTranslations:
    """The catalogue for ``locale`` compiled in memory from ``admin/locale/<locale>/LC_MESSAGES/messages.po``.

    Message ids are the French strings of the templates, so French needs no catalogue; another locale (``en``)
    translates them.
    """
    po = LOCALES / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@lru_cache(maxsize=8)
def environment(locale: str = "fr") -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters["date_fr"] = lambda d, fmt="long": _fmt_date(d, fmt, locale)
    env.filters["datetime_fr"] = lambda d, fmt="short", tz="Europe/Paris": _fmt_dt(d, fmt, tz, locale)
    # A link that is not http(s) (or mailto, or a path of this site, where asked) renders as an empty href.
    env.filters["safe_url"] = lambda url, mailto=False, relative=False: (
        safe_url(url, mailto=mailto, relative=relative) or ""
    )
    env.filters["address"] = unicode_address  # an internationalised domain in Unicode, not punycode
    # Values of the code in French: ``{{ issue.status | fr("issue") }}``.
    gettext = translations(locale).gettext
    env.filters["fr"] = lambda value, table: label(value, table, gettext)
    return env


def _fmt_date(value: date | datetime | None, fmt: str, locale: str) -> str:
    if value is None:
        return ""
    # Babel formats only the date part; caching per day keeps long lists (triage: 50 rows) cheap.
    return _fmt_day(value.date() if isinstance(value, datetime) else value, fmt, locale)


@lru_cache(maxsize=4096)
def _fmt_day(value: date, fmt: str, locale: str) -> str:
    return format_date(value, format=fmt, locale=locale)


def _fmt_dt(value: datetime | None, fmt: str, tz: str, locale: str) -> str:
    if value is None:
        return ""
    return format_datetime(value, format=fmt, tzinfo=ZoneInfo(tz), locale=locale)


# --- sessions, flash, CSRF --------------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def flash(request: Request, message: str, category: str = "info") -> None:
    # Assigned, not appended in place: the session only saves itself when a key is set.
    request.session["flash"] = [*request.session.get("flash", []), [category, message]]


def pop_flashes(request: Request) -> list[tuple[str, str]]:
    return [(c, m) for c, m in request.session.pop("flash", [])]


async def read_public_form(request: Request) -> FormData:
    """The POSTed form, every name and text value without control characters (files are left to their reader)."""
    form = await request.form()
    return FormData(
        [(strip_controls(k), strip_controls(v) if isinstance(v, str) else v) for k, v in form.multi_items()]
    )


async def read_form(request: Request) -> FormData:
    """The POSTed form as :func:`read_public_form` gives it, after checking its CSRF token against the session's
    (403 otherwise)."""
    form = await read_public_form(request)
    sent = request.headers.get("x-csrf-token") or form.get("csrf_token")
    expected = request.session.get("csrf")
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, str(expected)):
        raise HTTPException(403, "Jeton de sécurité (CSRF) absent ou invalide : rechargez la page et recommencez.")
    return form


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def route_path(scope: Mapping[str, Any]) -> str:
    """A request's path within its network: without the network's path prefix (``root_path``, set by the
    dispatch when networks share a host), as routes and middlewares see it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :] or "/"
    return path


def root_of(request: Request) -> str:
    """The network's path prefix (``""`` at the root of its host): every link and redirect of its pages starts
    with it."""
    root: str = request.scope.get("root_path", "")
    return root


def redirect(request: Request, path: str, status_code: int = 303, **kwargs: Any) -> RedirectResponse:
    """A redirect to one of the network's own pages (``path`` as routes name it, ``/admin/...``)."""
    return RedirectResponse(root_of(request) + path, status_code=status_code, **kwargs)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render ``template`` with the common context: user, CSRF token, flashes, network settings, clock."""
    ctx = ctx_of(request)
    env = environment(ctx.settings.network.locale)
    values: dict[str, Any] = {
        "request": request,
        "root": root_of(request),
        "network": ctx.settings.network,
        "settings": ctx.settings,
        "user": request.scope.get("relais.user"),
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "flashes": pop_flashes(request) if "session" in request.scope else [],
        "now": ctx.clock.now(),
    }
    user = values["user"]
    if user is not None:
        values["admin_nav"] = [
            (p, label, r) for p, label, r in NAV if has_role(user, r) and (user.superadmin or p not in SUPERADMIN_NAV)
        ]
    values.update(context or {})
    html = env.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers=headers)
