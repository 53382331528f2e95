"""Staff pages for subscribers: search, one subscriber's file, edit, suppress / lift, RGPD erasure, exports.

Staff and admins only (editors get 403). Every form carries the CSRF token; everything works without JavaScript.
The decisions live in :mod:`subscribers.staff`; the segment preview and the CSV import are in
:mod:`admin.subscriber_tools`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.auth import current_user, requires
from admin.history import consent_details
from admin.web import ctx_of, flash, nav, read_form, redirect, render, translations
from core.errors import InvalidInput, NotFound
from core.model import OrganisationType, Role, Subscriber, SubscriberStatus
from subscribers.desk import SearchQuery
from subscribers.exporter import statuses, to_csv, to_json
from subscribers.preferences import Choices
from subscribers.staff import REASON_LABELS, StaffTools

nav("/admin/subscribers", "Abonnés", Role.STAFF)

FAMILIES = ("streams", "kinds", "themes", "zones", "territories")
PER_PAGE = 50
STATUS_LABELS = {
    SubscriberStatus.PENDING: "en attente de confirmation",
    SubscriberStatus.CONFIRMED: "confirmé·e",
    SubscriberStatus.UNSUBSCRIBED: "désinscrit·e",
    SubscriberStatus.BOUNCED: "adresse en erreur",
    SubscriberStatus.COMPLAINED: "plainte",
}
ORG_LABELS = {
    OrganisationType.ASSOCIATION: "Association",
    OrganisationType.LOCAL_AUTHORITY: "Collectivité territoriale",
    OrganisationType.EDUCATION: "Établissement scolaire ou universitaire",
    OrganisationType.COMPANY: "Entreprise",
    OrganisationType.OTHER: "Autre",
}


def tools(request: Request) -> StaffTools:
    ctx = ctx_of(request)
    return ctx.subscriber_desk.tools(choices(request))


def choices(request: Request) -> Choices:
    return Choices.from_taxonomy(ctx_of(request).settings.taxonomy)


def actor(request: Request) -> str:
    user = current_user(request)
    return user.email if user is not None else "?"


async def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A service call off the event loop; a subscriber that is gone becomes a 404 page."""
    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except NotFound:
        raise HTTPException(404, "Cet abonné n'existe pas (ou plus : effacé).") from None


def _enum_param(request: Request, name: str, allowed: list[str]) -> str | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    if value not in allowed:
        raise HTTPException(400, f"Filtre « {name} » inconnu : {value!r}.")
    return value


def _page_param(request: Request) -> int:
    raw = request.query_params.get("page", "1").strip() or "1"
    if not raw.isdigit() or int(raw) < 1 or int(raw) > 1_000_000:
        raise HTTPException(400, f"Numéro de page invalide : {raw!r}.")
    return int(raw)


# -- search ----------------------------------------------------------------------------------------------------


@requires(Role.STAFF)
async def index(request: Request) -> Response:
    query = SearchQuery(
        text=request.query_params.get("q", "")[:200],
        status=_enum_param(request, "status", [str(s) for s in SubscriberStatus]),
        organisation_type=_enum_param(request, "org", [str(o) for o in OrganisationType]),
        page=_page_param(request),
        per_page=PER_PAGE,
    )
    page = await run(tools(request).search, query)
    filters = {"q": query.text, "status": query.status or "", "org": query.organisation_type or ""}

    def page_url(n: int) -> str:
        return "/admin/subscribers?" + urlencode({**{k: v for k, v in filters.items() if v}, "page": n})

    return render(
        request, "admin/subscribers/list.html",
        {"page": page, "filters": filters, "page_url": page_url, "status_labels": STATUS_LABELS,
         "org_labels": ORG_LABELS, "export_query": urlencode({"status": query.status} if query.status else {})},
    )  # fmt: skip


# -- one subscriber --------------------------------------------------------------------------------------------


def _sid(request: Request) -> int:
    return int(request.path_params["subscriber_id"])


async def _file_page(request: Request, *, error: str = "", chosen: dict[str, list[str]] | None = None,
                     form: dict[str, str] | None = None, status_code: int = 200) -> Response:  # fmt: skip
    file = await run(tools(request).view, _sid(request))
    sub = file.subscriber
    picked = choices(request)
    names = {slug: name for family in (picked.themes, picked.zones, picked.territories) for slug, name in family}
    gettext = translations(ctx_of(request).settings.network.locale).gettext
    details = [consent_details(e.get("details"), lambda t: names.get(t, t), gettext) for e in file.consent_log]
    return render(
        request, "admin/subscribers/view.html",
        {"file": file, "sub": sub, "choices": picked, "error": error, "consent_details": details,
         "chosen": chosen or sub.preferences.to_json(),
         "form": form or {"name": sub.name or "", "organisation_type": str(sub.organisation_type or ""),
                          "frequency": sub.preferences.frequency},
         "status_labels": STATUS_LABELS, "org_labels": ORG_LABELS, "reason_labels": REASON_LABELS},
        status_code=status_code,
    )  # fmt: skip


@requires(Role.STAFF)
async def view(request: Request) -> Response:
    return await _file_page(request)


@requires(Role.STAFF)
async def edit(request: Request) -> Response:
    form = await read_form(request)
    chosen = {f: [str(v) for v in form.getlist(f)] for f in FAMILIES}
    values = {k: str(form.get(k, "")) for k in ("name", "organisation_type", "frequency")}
    try:
        await run(
            tools(request).edit, _sid(request), chosen, frequency=values["frequency"] or "monthly",
            name=values["name"], organisation_type=values["organisation_type"], by=actor(request),
        )  # fmt: skip
    except InvalidInput as exc:
        return await _file_page(request, error=str(exc), chosen=chosen, form=values, status_code=400)
    flash(request, "Modifications enregistrées (journal des consentements : origine « administration »).", "success")
    return redirect(request, f"/admin/subscribers/{_sid(request)}")


@requires(Role.STAFF)
async def suppress(request: Request) -> Response:
    form = await read_form(request)
    try:
        await run(tools(request).suppress, _sid(request), by=actor(request), note=str(form.get("note", "")))
        flash(request, "Adresse suspendue : plus aucun envoi ne lui parviendra.", "success")
    except InvalidInput as exc:
        flash(request, f"Rien n'a été modifié : {exc}.", "error")
    return redirect(request, f"/admin/subscribers/{_sid(request)}")


@requires(Role.STAFF)
async def unsuppress(request: Request) -> Response:
    await read_form(request)
    try:
        await run(tools(request).unsuppress, _sid(request), by=actor(request))
        flash(request, "Suspension levée.", "success")
    except InvalidInput as exc:
        flash(request, f"Rien n'a été modifié : {exc}.", "error")
    return redirect(request, f"/admin/subscribers/{_sid(request)}")


@requires(Role.STAFF)
async def erase(request: Request) -> Response:
    """GET: the confirmation step (type the address). POST: erase, keeping only a hashed suppression entry."""
    file = await run(tools(request).view, _sid(request))
    if request.method == "GET":
        return render(request, "admin/subscribers/erase.html", {"sub": file.subscriber})
    form = await read_form(request)
    typed = str(form.get("confirm_email", "")).strip().lower()
    if typed != file.subscriber.email:
        return render(
            request, "admin/subscribers/erase.html",
            {"sub": file.subscriber, "error": "Recopiez exactement l'adresse à effacer pour confirmer."},
            status_code=400,
        )  # fmt: skip
    email = await run(tools(request).erase, _sid(request), by=actor(request))
    flash(request, f"{email} a été effacée. Seule une empreinte (hachage) reste, pour ne jamais la réimporter.",
          "success")  # fmt: skip
    return redirect(request, "/admin/subscribers")


# -- exports ---------------------------------------------------------------------------------------------------


def _all(request: Request, status: SubscriberStatus | None) -> list[Subscriber]:
    return ctx_of(request).subscriber_desk.for_export(str(status) if status else None)


@requires(Role.STAFF)
async def export(request: Request) -> Response:
    """``export.csv`` (UTF-8 with a BOM for spreadsheets; imports back as is) or ``export.json``."""
    fmt = request.path_params["fmt"]
    if fmt not in ("csv", "json"):
        raise HTTPException(404, "Format d'export inconnu : csv ou json.")
    try:
        status = statuses(request.query_params.get("status"))
    except InvalidInput:
        raise HTTPException(400, f"Statut inconnu : {request.query_params.get('status')!r}.") from None
    subs = await run_in_threadpool(_all, request, status)
    stamp = ctx_of(request).clock.now().strftime("%Y-%m-%d")
    headers = {"content-disposition": f'attachment; filename="abonnes-{stamp}.{fmt}"', "cache-control": "no-store"}
    if fmt == "csv":
        return Response(("\ufeff" + to_csv(subs)).encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers=headers)  # fmt: skip
    return Response(to_json(subs).encode("utf-8"), media_type="application/json", headers=headers)


def routes() -> list[BaseRoute]:
    """The subscribers' list and pages; the segment preview and the import are :mod:`admin.subscriber_tools`'s
    routes, which build on this module's choices."""
    return [
        Route("/admin/subscribers", index, methods=["GET"]),
        Route("/admin/subscribers/export.{fmt:str}", export, methods=["GET"]),
        Route("/admin/subscribers/{subscriber_id:int}", view, methods=["GET"]),
        Route("/admin/subscribers/{subscriber_id:int}", edit, methods=["POST"]),
        Route("/admin/subscribers/{subscriber_id:int}/suppress", suppress, methods=["POST"]),
        Route("/admin/subscribers/{subscriber_id:int}/unsuppress", unsuppress, methods=["POST"]),
        Route("/admin/subscribers/{subscriber_id:int}/erase", erase, methods=["GET", "POST"]),
    ]
