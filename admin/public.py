"""The public subscriber pages: sign-up, confirmation, preferences, unsubscribe, export and erasure.

No login, no JavaScript, no CSRF token: a personal page is opened by the signed token in its URL (only its owner
has it), the sign-up form must work when embedded in another site, and the RFC 8058 one-click POST comes from mail
clients without cookies. GET never changes anything, so link scanners cannot unsubscribe or confirm anyone.
The flows live in :mod:`subscribers.service`, wired by the composition root into ``WebContext.subscribers``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from jinja2 import Template
from starlette.background import BackgroundTasks
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.proxy import client_address
from admin.web import TEMPLATES, blocking, ctx_of, read_public_form, render
from core.errors import InvalidInput, NotFound
from core.messages import describe
from core.model import Stream, Subscriber, SubscriberStatus
from subscribers.exporter import as_record
from subscribers.kit import SubscriberKit
from subscribers.links import InvalidLink, UnreadableLink
from subscribers.preferences import ALERT_FIELDS, STREAM_LABELS
from subscribers.ratelimit import RateLimited
from subscribers.service import SignupForm, Unsubscribed

FAMILIES = ("streams", "kinds", "themes", "zones", "territories")
STATUS_LABELS = {
    SubscriberStatus.PENDING: "inscription non confirmée",
    SubscriberStatus.UNSUBSCRIBED: "désinscrit·e",
    SubscriberStatus.BOUNCED: "adresse en erreur",
    SubscriberStatus.COMPLAINED: "envois arrêtés",
}


def kit_of(request: Request) -> SubscriberKit:
    kit = ctx_of(request).subscribers
    if kit is None:
        raise HTTPException(503, "Les inscriptions ne sont pas disponibles pour le moment.")
    return kit


def client_ip(request: Request) -> str | None:
    """The client's address for the per-address limits and the consent log (see :mod:`admin.proxy`)."""
    return client_address(request.scope, ctx_of(request).settings.web)


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a service call off the event loop; a bad link becomes a clear 400 page."""
    return await _refusing_bad_links(run_in_threadpool(fn, *args, **kwargs))


async def call_db(request: Request, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """:func:`call` as :func:`admin.web.blocking` runs it: inline on the event loop, on either engine (a thread
    only queues for the GIL again after each database call, behind every page being rendered)."""
    return await _refusing_bad_links(blocking(partial(fn, *args, **kwargs)))


async def _refusing_bad_links(work: Awaitable[Any]) -> Any:
    try:
        return await work
    except (InvalidLink, NotFound) as exc:
        detail = describe(exc) if isinstance(exc, InvalidLink) else "ce lien n'est plus valable"
        raise HTTPException(400, f"Lien refusé : {detail}. Rien n'a été modifié.") from None


def chosen_of(form: FormData) -> dict[str, list[str]]:
    """The ticked values per family. Streams count only when the form showed them (the embeddable form does
    not): there, ticking none is a mistake the service points out."""
    chosen = {f: [str(v) for v in form.getlist(f)] for f in FAMILIES}
    if "streams_shown" not in form:
        del chosen["streams"]
    if "alerts" in form:  # the alerts' fieldset was shown: its rhythm, day and kinds
        chosen |= {f: [str(v) for v in form.getlist(f)] for f in ALERT_FIELDS}
    return chosen


# -- sign-up ---------------------------------------------------------------------------------------------------


def _subscribe_page(request: Request, form: dict[str, Any], chosen: dict[str, list[str]], *, error: str = "",
                    status_code: int = 200) -> Response:  # fmt: skip
    kit = kit_of(request)
    return render(
        request, "public/subscribe.html",
        {"choices": kit.choices, "form": form, "chosen": chosen, "error": error,
         "wording_version": kit.service.settings.consent_wording_version},
        status_code=status_code,
    )  # fmt: skip


async def subscribe(request: Request) -> Response:
    if request.method == "GET":
        return _subscribe_page(request, {}, {"streams": [str(s) for s in Stream]})
    form = await read_public_form(request)
    values = {k: str(form.get(k, "")) for k in ("email", "name", "organisation_type")}
    chosen = chosen_of(form)
    signup = SignupForm(
        email=values["email"], name=values["name"], organisation_type=values["organisation_type"],
        preferences=chosen, honeypot=str(form.get("website", "")),
    )  # fmt: skip
    mail = BackgroundTasks()  # the confirmation email is made after the answer, for every address (same timing)
    try:
        # Inline, as admin.web.blocking runs a request's database work; the email is made after the answer.
        await blocking(partial(kit_of(request).service.signup, signup, client_ip(request),
                                                    later=mail.add_task))  # fmt: skip
    except RateLimited as exc:
        return _subscribe_page(request, values, chosen, error=str(exc), status_code=429)
    except InvalidInput as exc:
        return _subscribe_page(request, values, chosen, error=str(exc), status_code=400)
    response = render(request, "public/subscribe_sent.html")
    response.background = mail
    return response


async def embed(request: Request) -> Response:
    """The snippet to paste in the network's own site: a plain form posting here."""
    net = ctx_of(request).settings.network
    source = (TEMPLATES / "public" / "_embed_snippet.html").read_text(encoding="utf-8")
    snippet = Template(source, autoescape=True).render(
        base_url=net.base_url.rstrip("/"), newsletter=net.newsletter_name
    )
    return render(request, "public/embed.html", {"snippet": snippet})


async def confirm(request: Request) -> Response:
    kit, token = kit_of(request), request.path_params["token"]
    if request.method == "GET":
        await call(kit.links.verify, "confirm", token)  # a dead link says so before any click
        return render(request, "public/confirm.html", {"token": token, "done": False})
    sub: Subscriber = await call(kit.service.confirm, token, client_ip(request))
    assert sub.id is not None
    url = await run_in_threadpool(kit.links.preferences_url, sub.id)
    return render(request, "public/confirm.html", {"done": True, "preferences_url": url})


# -- preferences centre ----------------------------------------------------------------------------------------


def _preferences_page(request: Request, sub: Subscriber, token: str, *, saved: bool = False, error: str = "",
                      chosen: dict[str, list[str]] | None = None, status_code: int = 200) -> Response:  # fmt: skip
    return render(
        request, "public/preferences.html",
        {"subscriber": sub, "token": token, "choices": kit_of(request).choices, "saved": saved, "error": error,
         "chosen": chosen or sub.preferences.to_json(), "status_label": STATUS_LABELS.get(sub.status, "")},
        status_code=status_code,
    )  # fmt: skip


async def preferences(request: Request) -> Response:
    kit, token = kit_of(request), request.path_params["token"]
    sub: Subscriber = await call(kit.service.manage, token)
    if request.method == "GET":
        return _preferences_page(request, sub, token)
    form = await read_public_form(request)
    chosen = chosen_of(form)
    try:
        sub = await call(
            kit.service.update_preferences, token, chosen, name=str(form.get("name", "")),
            organisation_type=str(form.get("organisation_type", "")), ip=client_ip(request),
        )  # fmt: skip
    except InvalidInput as exc:
        return _preferences_page(request, sub, token, error=str(exc), chosen=chosen, status_code=400)
    return _preferences_page(request, sub, token, saved=True)


# -- unsubscribe -----------------------------------------------------------------------------------------------


async def unsubscribe(request: Request) -> Response:
    """GET: a page asking what to stop. POST: RFC 8058 one-click (``List-Unsubscribe=One-Click``) or the page's
    buttons, in one hop to the service (one conditional UPDATE and one consent row from everything); the goodbye
    email, if any, after the answer. Always 200 once done, and done again harmlessly."""
    kit, token = kit_of(request), request.path_params["token"]
    if request.method == "GET":
        sub, stream, manage_url = await call_db(request, _unsubscribe_page, kit, token)
        return render(
            request, "public/unsubscribe.html",
            {"subscriber": sub, "token": token, "stream_label": STREAM_LABELS[stream] if stream else "",
             "preferences_url": manage_url, "done": False},
        )  # fmt: skip
    form = await read_public_form(request)
    one_click = form.get("List-Unsubscribe") == "One-Click"
    mail = BackgroundTasks()
    done: Unsubscribed = await call_db(
        request, kit.service.unsubscribe_link, token, everything=form.get("scope") == "all", ip=client_ip(request),
        one_click=one_click, later=mail.add_task,
    )  # fmt: skip
    response = render(
        request, "public/unsubscribe.html",
        {"subscriber": done.subscriber, "stream_label": STREAM_LABELS[done.stream] if done.stream else "",
         "preferences_url": done.preferences_url, "done": True},
    )  # fmt: skip
    response.background = mail
    return response


def _unsubscribe_page(kit: SubscriberKit, token: str) -> tuple[Subscriber, Stream | None, str]:
    """What the GET page shows, in one hop off the event loop."""
    try:
        claims = kit.links.verify("unsubscribe", token)
    except UnreadableLink:  # not signed as an unsubscribe link; a voided one is refused as such
        claims = kit.links.verify("manage", token)  # the preferences page's own button
    sub = kit.service.manage_by_id(claims.subscriber_id)
    return sub, claims.stream, kit.links.preferences_url(claims.subscriber_id)


# -- export and erasure ----------------------------------------------------------------------------------------


async def export(request: Request) -> Response:
    data = await call(kit_of(request).service.export, request.path_params["token"])
    body = {**data, "subscriber": as_record(data["subscriber"])}
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2, default=str),
        media_type="application/json",
        headers={"content-disposition": 'attachment; filename="mes-donnees.json"', "cache-control": "no-store"},
    )


async def erase(request: Request) -> Response:
    kit, token = kit_of(request), request.path_params["token"]
    if request.method == "GET":
        sub = await call(kit.service.manage, token)
        return render(request, "public/erase.html", {"subscriber": sub, "token": token, "done": False})
    await call(kit.service.erase, token, client_ip(request))
    return render(request, "public/erase.html", {"done": True})


def routes() -> list[BaseRoute]:
    both = ["GET", "POST"]
    return [
        Route("/subscribe", subscribe, methods=both),
        Route("/subscribe/embed", embed),
        Route("/confirm/{token}", confirm, methods=both),
        Route("/preferences/{token}", preferences, methods=both),
        Route("/unsubscribe/{token}", unsubscribe, methods=both),
        Route("/export/{token}", export),
        Route("/erase/{token}", erase, methods=both),
    ]
