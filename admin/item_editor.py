"""The item editor ``/admin/items/{id}``: fields, tags and suggestions, the sources it was merged from, history,
and the source's pending update to accept or dismiss."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.auth import requires
from admin.history import item_changes
from admin.items import actor, common, curator, item_id_of
from admin.triage import N_
from admin.web import ctx_of, flash, read_form, redirect, render, translations
from core.errors import InvalidInput, NotFound
from core.model import Item, ItemAction, Proposal, Role
from curation.validate import FieldErrors

EDITABLE = (
    "title",
    "url",
    "kind",
    "summary",
    "body_html",
    "opening_date",
    "deadline",
    "place",
    "image_url",
    "image_alt",
    "editor_note",
)
ACTION_LABELS = {
    ItemAction.COLLECTED: N_("collecté"),
    ItemAction.UPDATED: N_("mis à jour par la source"),
    ItemAction.MERGED: N_("fusionné"),
    ItemAction.APPROVED: N_("approuvé"),
    ItemAction.REJECTED: N_("écarté"),
    ItemAction.ARCHIVED: N_("archivé"),
    ItemAction.RESTORED: N_("remis à trier"),
    ItemAction.EDITED: N_("modifié"),
    ItemAction.TAGGED: N_("étiquettes"),
}


def _load(request: Request, item_id: int) -> tuple[Item, list[dict[str, Any]]]:
    try:
        return ctx_of(request).curation.item_with_history(item_id)
    except NotFound:
        raise HTTPException(404, "Élément introuvable.") from None


def _page(
    request: Request, item: Item, events: list[dict[str, Any]], *, values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    return render(
        request,
        "admin/item.html",
        {
            **common(request),
            "item": item,
            "proposal": _proposal(request, item),
            "relayed": ctx_of(request).curation.relayed([item.id]).get(item.id or 0, []) if item.id else [],
            "events": [{**e, "lines": _history(request, e["changes"])} for e in reversed(events)],
            "action_labels": ACTION_LABELS,
            "values": values or {},
            "errors": errors or {},
            "back": "/admin/items",
        },
        status_code=status_code,
    )


def _proposal(request: Request, item: Item) -> Proposal | None:
    """The member's proposal the item came from (its contact, for the editor's questions), if it came from one."""
    if item.id is None or not any(src.source_item_id.startswith("proposal:") for src in item.sources):
        return None
    return ctx_of(request).curation.proposal_of(item.id)


def _history(request: Request, changes: dict[str, Any] | None) -> list[str]:
    """One event's changes in French (statuses, tag names, dates, yes/no), not the logged JSON."""
    names = curator(request).taxonomy.labels
    gettext = translations(ctx_of(request).settings.network.locale).gettext
    return item_changes(changes or {}, lambda tag: str(names.get(tag, tag)), gettext)


@requires(Role.EDITOR)
async def editor(request: Request) -> Response:
    item, events = _load(request, item_id_of(request))
    return _page(request, item, events)


def form_changes(form: FormData) -> dict[str, Any]:
    """The form as the curation validator reads it: every editable field, tags as a list, the featured box."""
    data: dict[str, Any] = {name: str(form.get(name) or "") for name in EDITABLE if name in form}
    data["tags"] = [str(t) for t in form.getlist("tags")]
    data["featured"] = "1" if form.get("featured") else ""
    return data


@requires(Role.EDITOR)
async def save(request: Request) -> Response:
    form = await read_form(request)
    item_id = item_id_of(request)
    data = form_changes(form)
    try:
        curator(request).edit(item_id, data, actor=actor(request))
    except NotFound:
        raise HTTPException(404, "Élément introuvable.") from None
    except FieldErrors as exc:
        item, events = _load(request, item_id)
        return _page(request, item, events, values=data, errors=exc.errors, status_code=400)
    flash(request, "Modifications enregistrées.", "success")
    return redirect(request, f"/admin/items/{item_id}")


@requires(Role.EDITOR)
async def pending(request: Request) -> Response:
    form = await read_form(request)
    item_id = item_id_of(request)
    decision = str(form.get("decision") or "")
    cur, who = curator(request), actor(request)
    try:
        if decision == "accept":
            cur.accept_pending(item_id, actor=who)
            flash(request, "Mise à jour de la source appliquée.", "success")
        elif decision == "dismiss":
            cur.dismiss_pending(item_id, actor=who)
            flash(request, "Mise à jour de la source ignorée.", "success")
        else:
            raise HTTPException(400, "Décision inconnue : accepter ou ignorer.")
    except NotFound:
        raise HTTPException(404, "Élément introuvable.") from None
    except InvalidInput as exc:
        raise HTTPException(400, f"{exc}.") from None
    return redirect(request, f"/admin/items/{item_id}")


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/items/{item_id:int}", editor, methods=["GET"]),
        Route("/admin/items/{item_id:int}", save, methods=["POST"]),
        Route("/admin/items/{item_id:int}/pending", pending, methods=["POST"]),
    ]
