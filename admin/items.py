"""The triage queue ``/admin/items``: filter, approve, reject, tag, bulk actions.

Every action is a plain form POST answered by a redirect back to the list with its filters; with htmx
(``HX-Request``) it answers the updated row instead, so the page does not reload.
"""

from __future__ import annotations

import secrets
from functools import partial
from typing import Any

from markupsafe import Markup, escape
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin import triage
from admin.auth import current_user, requires
from admin.error_messages import said
from admin.web import (
    blocking,
    csrf_token,
    ctx_of,
    environment,
    flash,
    is_htmx,
    nav,
    read_form,
    redirect,
    render,
    root_of,
    route_path,
    translations,
)
from core.errors import InvalidInput, NotFound
from core.model import Item, ItemStatus, Role
from curation.actions import BatchResult, Curator
from curation.desk import TriageRow
from curation.validate import clean_tags

nav("/admin/items", triage.N_("Tri"), Role.EDITOR)

ACTIONS = {
    "approve": ItemStatus.APPROVED,
    "reject": ItemStatus.REJECTED,
    "archive": ItemStatus.ARCHIVED,
    "restore": ItemStatus.NEW,
}
DONE = {
    "approve": "approuvé(s)",
    "reject": "écarté(s)",
    "archive": "archivé(s)",
    "restore": "remis à trier",
}


def curator(request: Request) -> Curator:
    return ctx_of(request).curation.curator


def actor(request: Request) -> str:
    user = current_user(request)
    assert user is not None  # guarded by requires()
    return user.email


def item_id_of(request: Request) -> int:
    try:
        return int(request.path_params["item_id"])
    except (KeyError, ValueError):
        raise HTTPException(404, "Élément introuvable.") from None


def common(request: Request) -> dict[str, object]:
    """What the list and its rows need besides the items."""
    ctx = ctx_of(request)
    t = ctx.settings.taxonomy
    gettext = translations(ctx.settings.network.locale).gettext
    return {
        "root": root_of(request),
        "L": {key: gettext(msg) for key, msg in triage.ROW_LABELS.items()},
        "kinds": {kind: gettext(label) for kind, label in triage.KIND_LABELS.items()},
        "statuses": {status: gettext(label) for status, label in triage.STATUS_LABELS.items()},
        "kind_labels": triage.KIND_LABELS,
        "status_labels": triage.STATUS_LABELS,
        "today": ctx.clock.now().date(),
        "days_left": triage.days_left,
        "taxonomy": t,
        "tag_labels": curator(request).taxonomy.labels,
        "taggable": [*t.themes, *t.zones, *t.audiences, *t.territories],
    }


# Rendered rows, per web context: a row depends only on the item as stored, the locale and the day, so a triage
# page decodes and re-renders only the rows that changed. The CSRF token and the back link are put in per request,
# in place of markers that no content can spell: they start with "<", which the template escapes in every value
# (an item titled like a marker shows as text), and carry a random part drawn when the process starts.
_CSRF = Markup(f"<relais-csrf-{secrets.token_hex(8)}>")  # noqa: S704 - a constant of ours, never content
_BACK = Markup(f"<relais-back-{secrets.token_hex(8)}>")  # noqa: S704
ROW_CACHE_SIZE = 5_000
FILTERS_CACHE_SIZE = 200


def rows_html(
    request: Request, rows: list[TriageRow], values: dict[str, Any], back: str, relayed: dict[int, list[str]]
) -> Markup:
    ctx = ctx_of(request)
    cache = ctx.row_cache
    locale = ctx.settings.network.locale
    today = ctx.clock.now().date()
    out = []
    for row in rows:
        by = tuple(relayed.get(row.id, ()))  # other networks that approved it: « déjà relayé par »
        # The stored values (any change to the item or its sources is a new row), and the path prefix of the links.
        key = (locale, today, row.key, by, values["root"])
        html = cache.get(key)
        if html is None:
            template = environment(locale).get_template("admin/_item_row.html")
            context = {**values, "item": row.item(), "csrf_token": _CSRF, "back": _BACK, "row_message": "",
                       "relayed": by}  # fmt: skip
            html = cache[key] = template.render(context)
            if len(cache) > ROW_CACHE_SIZE:
                cache.popitem(last=False)
        else:
            cache.move_to_end(key)
        out.append(html)
    # Escaped like the template escapes a value; rendered rows hold only escaped values.
    html = "".join(out).replace(_CSRF, str(escape(csrf_token(request)))).replace(_BACK, str(escape(back)))
    return Markup(html)  # noqa: S704


def filters_html(request: Request, values: dict[str, Any], params: dict[str, str], sources: list[Any]) -> Markup:
    """The filter form, rendered once per distinct set of filters (and of sources) and kept like the rows."""
    ctx = ctx_of(request)
    cache = ctx.filters_cache
    locale = ctx.settings.network.locale
    chosen = tuple(params.get(k, "") for k in triage.FILTER_KEYS if k != "page")
    key = (locale, id(ctx.settings.taxonomy), chosen, tuple(sources), values["root"])
    html = cache.get(key)
    if html is None:
        template = environment(locale).get_template("admin/_filters.html")
        html = cache[key] = Markup(template.render({**values, "params": params, "sources": sources}))  # noqa: S704
        if len(cache) > FILTERS_CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return html


@requires(Role.EDITOR)
async def item_list(request: Request) -> Response:
    ctx = ctx_of(request)
    params = dict(request.query_params)
    query = triage.parse_filters(params, ctx.clock.now().date())

    page, sources, relayed = await blocking(ctx.curation.triage_page, query)
    here = "/admin/items?" + triage.filters_qs(params)
    values = common(request)
    return render(
        request,
        "admin/items.html",
        {
            **values,
            "rows": rows_html(request, page.rows, values, here, relayed),
            "filters": filters_html(request, {**values, "windows": triage.DEADLINE_WINDOWS}, params, sources),
            "page": page,
            "back": here,
            "prev_qs": triage.filters_qs(params, page=page.page - 1) if page.page > 1 else None,
            "next_qs": triage.filters_qs(params, page=page.page + 1) if page.has_next else None,
        },
    )


def _row(request: Request, item: Item, back: str, *, message: str = "", status_code: int = 200) -> Response:
    return render(
        request,
        "admin/_item_row.html",
        {**common(request), "item": item, "back": back, "row_message": message},
        status_code=status_code,
    )


async def _answer(request: Request, item_id: int, back: str, message: str) -> Response:
    """The updated row for htmx, else a redirect back to the list with a flash."""
    if is_htmx(request):
        item = await blocking(ctx_of(request).curation.item, item_id)
        return _row(request, item, back, message=message)
    flash(request, message, "success")
    return redirect(request, triage.safe_back(back))


def _refused(result: BatchResult) -> str:
    return " ; ".join(f"n°{i} : {why}" for i, why in result.refused.items())


@requires(Role.EDITOR)
async def status_action(request: Request) -> Response:
    form = await read_form(request)
    item_id = item_id_of(request)
    action = route_path(request.scope).rsplit("/", 1)[1]
    back = triage.safe_back(str(form.get("back") or ""))
    cur = curator(request)
    try:  # off the event loop on PostgreSQL: four statements waiting on the server would stall every request
        result = await blocking(
            partial(cur.set_status, [item_id], ACTIONS[action], actor=actor(request),
                    reason=str(form.get("reason") or "")),
        )  # fmt: skip
    except InvalidInput as exc:
        raise HTTPException(400, f"Action refusée — {said(request, exc)}.") from None
    if result.refused:
        status = 404 if "introuvable" in _refused(result) else 409
        raise HTTPException(status, f"Action refusée — {_refused(result)}")
    response = await _answer(request, item_id, back, f"Élément n°{item_id} {DONE[action]}.")
    response.background = tell_proposers(request, result.done)
    return response


@requires(Role.EDITOR)
async def tags_action(request: Request) -> Response:
    """Add/remove tags, accept/refuse a suggestion: ``add``, ``remove``, ``accept``, ``refuse`` fields."""
    form = await read_form(request)
    item_id = item_id_of(request)
    back = triage.safe_back(str(form.get("back") or ""))
    cur, who = curator(request), actor(request)
    add = [str(v) for v in form.getlist("add") if str(v).strip()] + [str(v) for v in form.getlist("accept")]
    remove = [str(v) for v in form.getlist("remove") if str(v).strip()]
    try:
        await blocking(ctx_of(request).curation.item, item_id)  # this network's item, or 404 (even for no change)
        clean_tags(add, cur.taxonomy)  # refuse bad input before anything is written
        for tag in form.getlist("refuse"):
            cur.refuse_suggestion(item_id, str(tag), actor=who)
        if add or remove:
            cur.tag(item_id, add=add, remove=remove, actor=who)
    except NotFound:
        raise HTTPException(404, "Élément introuvable.") from None
    except InvalidInput as exc:
        raise HTTPException(400, f"Étiquettes refusées : {exc}.") from None
    return await _answer(request, item_id, back, f"Étiquettes de l'élément n°{item_id} mises à jour.")


def _tag_all(request: Request, ids: list[int], tag: str) -> BatchResult:
    """One tag added to several items; an unknown tag refuses the whole action before anything is stored."""
    cur, who = curator(request), actor(request)
    try:
        clean_tags([tag], cur.taxonomy)
    except InvalidInput as exc:
        raise HTTPException(400, f"Étiquette refusée : {exc}.") from None
    if not tag.strip():
        raise HTTPException(400, "Choisissez l'étiquette à ajouter.")
    result = BatchResult()
    for item_id in ids:
        try:
            cur.tag(item_id, add=[tag], actor=who)
            result.done.append(item_id)
        except NotFound:
            result.refused[item_id] = "élément introuvable"
    return result


@requires(Role.EDITOR)
async def bulk_action(request: Request) -> Response:
    form = await read_form(request)
    back = triage.safe_back(str(form.get("back") or ""))
    action = str(form.get("action") or "")
    if action not in ACTIONS and action != "tag":
        raise HTTPException(400, "Action groupée inconnue.")
    try:
        ids = [int(str(v)) for v in form.getlist("ids")]
    except ValueError:
        raise HTTPException(400, "Sélection invalide.") from None
    if not ids:
        raise HTTPException(400, "Aucun élément sélectionné : cochez des lignes puis choisissez l'action.")
    if action == "tag":
        result = _tag_all(request, ids, str(form.get("tag") or ""))
        flash(request, f"{len(result.done)} élément(s) étiqueté(s).", "success")
    else:
        result = curator(request).set_status(ids, ACTIONS[action], actor=actor(request))
        flash(request, f"{len(result.done)} élément(s) {DONE[action]}.", "success")
    if result.refused:
        flash(request, f"Refusés — {_refused(result)}", "error")
    return redirect(request, back, background=tell_proposers(request, result.done))


def tell_proposers(request: Request, item_ids: list[int]) -> BackgroundTask | None:
    """After the answer: members whose proposals were just approved or rejected get their email."""
    proposals = ctx_of(request).proposals
    return BackgroundTask(proposals.notify, item_ids) if proposals is not None and item_ids else None


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/items", item_list, methods=["GET"]),
        Route("/admin/items/bulk", bulk_action, methods=["POST"]),
        Route("/admin/items/{item_id:int}/tags", tags_action, methods=["POST"]),
        *[Route(f"/admin/items/{{item_id:int}}/{name}", status_action, methods=["POST"]) for name in ACTIONS],
    ]
