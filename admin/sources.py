"""Sources ``/admin/sources``: health for everyone, changes for admins, "collecter maintenant", and a preview of
what a new source would yield before it is saved (the ``collect_now`` and ``preview_source`` seams)."""

from __future__ import annotations

import inspect
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.auth import requires
from admin.error_messages import said
from admin.items import curator
from admin.triage import KIND_LABELS, N_
from admin.web import ctx_of, flash, nav, read_form, redirect, render
from core.errors import InvalidInput, NotFound, RelaisError
from core.model import Item, Role, Source, SourceKind
from curation.sources import OPTIONS, clean_source, option_field
from curation.validate import FieldErrors

nav("/admin/sources", N_("Sources"), Role.EDITOR)

PREVIEW_LIMIT = 20


def _id(request: Request) -> int:
    return int(request.path_params["source_id"])


def _get(request: Request, source_id: int) -> Source:
    try:
        return ctx_of(request).curation.source(source_id)
    except NotFound:
        raise HTTPException(404, "Source introuvable.") from None


async def _call(fn: Any, arg: Any) -> Any:
    """Seams may be plain (run off the event loop, they do I/O) or async."""
    result = await run_in_threadpool(fn, arg)
    return await result if inspect.isawaitable(result) else result


@requires(Role.EDITOR)
async def source_list(request: Request) -> Response:
    sources = ctx_of(request).curation.sources()
    return render(
        request, "admin/sources.html", {"sources": sources, "kind_labels": KIND_LABELS, "repair_after": REPAIR_AFTER}
    )


def _form_page(
    request: Request, *, source: Source | None, values: dict[str, Any], errors: dict[str, str] | None = None,
    preview: list[Item] | None = None, preview_error: str = "", status_code: int = 200,
) -> Response:  # fmt: skip
    ctx = ctx_of(request)
    t = ctx.settings.taxonomy
    return render(
        request,
        "admin/source_form.html",
        {
            "source": source,
            "values": values,
            "errors": errors or {},
            "preview": preview,
            "preview_error": preview_error,
            "repair_after": REPAIR_AFTER,
            "kinds": list(SourceKind),
            "kind_labels": KIND_LABELS,
            "options": {
                str(kind): [(name, option_field(kind, name)) for name in names]
                for kind, names in OPTIONS.items()
                if names
            },
            "taxonomy": t,
            "taggable": [*t.themes, *t.zones, *t.audiences],
        },
        status_code=status_code,
    )


def _values(source: Source) -> dict[str, Any]:
    hours, rest = divmod(source.every_seconds, 3600)
    every = f"{hours}h" + (f"{rest // 60}m" if rest else "") if hours else f"{source.every_seconds // 60}m"
    return {
        "name": source.name, "url": source.url, "kind": str(source.kind), "item_kind": str(source.item_kind),
        "every": every, "tags": source.tags, "territory": source.territory or "", "official": source.official,
        "enabled": source.enabled,
        **{option_field(source.kind, name): value for name, value in source.options.items()},
    }  # fmt: skip


def _read(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {
        k: str(form.get(k) or "") for k in ("name", "url", "kind", "item_kind", "every", "territory")
    }
    data["tags"] = [str(t) for t in form.getlist("tags")]
    for kind, names in OPTIONS.items():  # every kind's fields: a form shown again keeps what was typed
        for name in names:
            data[option_field(kind, name)] = str(form.get(option_field(kind, name)) or "")
    data["official"] = bool(form.get("official"))
    data["enabled"] = bool(form.get("enabled"))
    return data


@requires(Role.ADMIN)
async def new_form(request: Request) -> Response:
    return _form_page(
        request, source=None, values={"kind": "feed", "item_kind": "news", "every": "6h", "enabled": True}
    )


@requires(Role.ADMIN)
async def edit_form(request: Request) -> Response:
    source = _get(request, _id(request))
    return _form_page(request, source=source, values=_values(source))


def _clean(request: Request, data: dict[str, Any], existing: Source | None) -> Source:
    """The form's source, its name checked against the other sources'; a source declared in the config keeps its
    address (which may be a file the form would refuse). Raises :class:`FieldErrors`."""
    taken = {src.name for src in ctx_of(request).curation.sources()} - ({existing.name} if existing else set())
    kept = existing.url if existing is not None and existing.origin == "config" else None
    return clean_source(data, curator(request).taxonomy, taken_names=taken, kept_url=kept)


async def _submit(request: Request, existing: Source | None) -> Response:
    """validate | preview (nothing saved) or save; errors re-render the form with a 400 and store nothing."""
    form = await read_form(request)
    data = _read(form)
    ctx = ctx_of(request)
    try:
        source = _clean(request, data, existing)
    except FieldErrors as exc:
        return _form_page(request, source=existing, values=data, errors=exc.errors, status_code=400)
    if form.get("intent") == "preview":
        if ctx.preview_source is None:
            return _form_page(request, source=existing, values=data, preview_error="L'aperçu n'est pas disponible.")
        try:
            preview = list(await _call(ctx.preview_source, source))[:PREVIEW_LIMIT]
        except RelaisError as exc:
            return _form_page(request, source=existing, values=data, preview_error=said(request, exc), status_code=422)
        return _form_page(request, source=existing, values=data, preview=preview)
    if existing is not None:
        source.id, source.origin = existing.id, existing.origin
    saved = _save(request, source)
    flash(request, f"Source « {saved.name} » enregistrée.", "success")
    return redirect(request, "/admin/sources")


def _save(request: Request, source: Source) -> Source:
    """Saved, or a 400 page saying why not (a source shared by every network is the operator's)."""
    try:
        return ctx_of(request).curation.save_source(source)
    except InvalidInput as exc:
        raise HTTPException(400, said(request, exc)) from None


@requires(Role.ADMIN)
async def create(request: Request) -> Response:
    return await _submit(request, None)


@requires(Role.ADMIN)
async def update(request: Request) -> Response:
    return await _submit(request, _get(request, _id(request)))


@requires(Role.ADMIN)
async def toggle(request: Request) -> Response:
    await read_form(request)
    source = _get(request, _id(request))
    source.enabled = not source.enabled
    _save(request, source)
    flash(request, f"Source « {source.name} » {'réactivée' if source.enabled else 'désactivée'}.", "success")
    return redirect(request, "/admin/sources")


@requires(Role.EDITOR)
async def collect(request: Request) -> Response:
    """Collect one source (``/admin/sources/{id}/collect``) or all (``/admin/sources/collect``) now."""
    await read_form(request)
    ctx = ctx_of(request)
    if ctx.collect_now is None:
        raise HTTPException(503, "La collecte n'est pas disponible sur ce serveur.")
    names = [_get(request, _id(request)).name] if "source_id" in request.path_params else None
    try:
        await _call(ctx.collect_now, names)
    except RelaisError as exc:
        flash(request, f"Collecte en échec : {said(request, exc)}", "error")
    else:
        flash(request, f"Collecte terminée : {', '.join(names) if names else 'toutes les sources'}.", "success")
    return redirect(request, "/admin/sources")


def routes() -> list[BaseRoute]:
    return [
        *discovery_routes(),
        Route("/admin/sources", source_list, methods=["GET"]),
        Route("/admin/sources/new", new_form, methods=["GET"]),
        Route("/admin/sources/new", create, methods=["POST"]),
        Route("/admin/sources/collect", collect, methods=["POST"]),
        Route("/admin/sources/{source_id:int}", edit_form, methods=["GET"]),
        Route("/admin/sources/{source_id:int}", update, methods=["POST"]),
        Route("/admin/sources/{source_id:int}/toggle", toggle, methods=["POST"]),
        Route("/admin/sources/{source_id:int}/collect", collect, methods=["POST"]),
    ]


# -- discovery: « Ajouter une source » starts from an address ------------------------------------------------------

REPAIR_AFTER = 3  # zero-item runs in a row after which a source's page proposes repaired selectors
WAY_LABELS = {
    "feed": N_("Flux déclaré par la page"),
    "calendar": N_("Agenda"),
    "guessed_feed": N_("Flux trouvé sur le site"),
    "structured": N_("Données structurées de la page"),
    "blocks": N_("Liste détectée dans la page"),
    "api": N_("API JSON"),
}
OPTION_LABELS = {"item": N_("bloc"), "title": N_("titre"), "link": N_("lien"), "date": N_("date"),
                 "summary": N_("résumé"), "deadline": N_("date limite"), "items": N_("liste"),
                 "url": N_("lien"), "published": N_("publication"), "country": N_("pays"), "starts_at": N_("début"),
                 "ends_at": N_("fin"), "place": N_("lieu")}  # fmt: skip
SHOWN_ITEMS = 5


def _discover_page(
    request: Request, *, url: str = "", found: Any = None, error: str = "", repair: Source | None = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    return render(
        request,
        "admin/source_discover.html",
        {
            "url": url,
            "found": found,
            "error": error,
            "repair": repair,
            "way_labels": WAY_LABELS,
            "option_labels": OPTION_LABELS,
            "kind_labels": KIND_LABELS,
            "shown": SHOWN_ITEMS,
            "option_field": option_field,
        },
        status_code=status_code,
    )


async def _discover(request: Request, url: str) -> tuple[Any, str]:
    """(the discovery, "") or (None, why not) in French."""
    ctx = ctx_of(request)
    if ctx.discover_source is None:
        return None, "La recherche automatique n'est pas disponible sur ce serveur."
    try:
        return await _call(ctx.discover_source, url), ""
    except RelaisError as exc:
        return None, f"Recherche impossible : {said(request, exc)}"


@requires(Role.ADMIN)
async def discover_form(request: Request) -> Response:
    return _discover_page(request)


@requires(Role.ADMIN)
async def discover(request: Request) -> Response:
    """paste an address | discover (through the outbound policy) | proposals best first, each with its preview."""
    form = await read_form(request)
    url = str(form.get("url") or "").strip()
    if not url:
        return _discover_page(request, error="Collez l'adresse d'une page, d'un flux ou d'un agenda.", status_code=400)
    if len(url) > 2_000 or any(c.isspace() for c in url):
        return _discover_page(request, url=url[:200], error="Adresse invalide (trop longue ou avec des espaces).",
                              status_code=400)  # fmt: skip
    found, error = await _discover(request, url)
    return _discover_page(request, url=url, found=found, error=error, status_code=200 if found else 422)


async def _proposal_form(request: Request, existing: Source | None) -> Response:
    """A chosen proposal opens the ordinary source form, filled in, with its preview already made."""
    form = await read_form(request)
    data = _read(form)
    data["official"], data["enabled"] = (existing.official, existing.enabled) if existing else (False, True)
    if existing is not None:  # a repair keeps the source's name, frequency, tags and territory
        data.update({k: v for k, v in _values(existing).items() if k in {"name", "every", "tags", "territory"}})
        data["url"] = existing.url
    if not data.get("every"):
        data["every"] = "6h"
    ctx = ctx_of(request)
    try:
        source = _clean(request, data, existing)
    except FieldErrors as exc:
        return _form_page(request, source=existing, values=data, errors=exc.errors)
    if ctx.preview_source is None:
        return _form_page(request, source=existing, values=data)
    try:
        preview = list(await _call(ctx.preview_source, source))[:PREVIEW_LIMIT]
    except RelaisError as exc:
        return _form_page(request, source=existing, values=data, preview_error=said(request, exc))
    return _form_page(request, source=existing, values=data, preview=preview)


@requires(Role.ADMIN)
async def choose(request: Request) -> Response:
    return await _proposal_form(request, None)


@requires(Role.ADMIN)
async def repair(request: Request) -> Response:
    """A source whose selectors stopped matching: the same discovery on its address, proposed as a repair."""
    source = _get(request, _id(request))
    found, error = await _discover(request, source.url)
    return _discover_page(request, url=source.url, found=found, error=error, repair=source)


@requires(Role.ADMIN)
async def choose_repair(request: Request) -> Response:
    return await _proposal_form(request, _get(request, _id(request)))


def discovery_routes() -> list[BaseRoute]:
    return [
        Route("/admin/sources/discover", discover_form, methods=["GET"]),
        Route("/admin/sources/discover", discover, methods=["POST"]),
        Route("/admin/sources/new/proposal", choose, methods=["POST"]),
        Route("/admin/sources/{source_id:int}/repair", repair, methods=["GET"]),
        Route("/admin/sources/{source_id:int}/proposal", choose_repair, methods=["POST"]),
    ]
