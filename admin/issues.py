"""The staff's pages for issues: the list, building a newsletter or a thematic emailing, and an issue's page
(its items in order, edits, segments with their sizes and compatibility checks, previews).

Editors may look at the content; only staff (and admins) build and edit, and only staff see anything that names a
subscriber (the preview "as this address", the ledger). Sending lives in :mod:`admin.issue_send`.

page:    load issue | its items | render each segment once | sizes + checks | template
edit:    read form (CSRF) | digest edit on the draft | flash | back to the page
preview: render the segment (or what one subscriber gets) | sample links | HTML under its own CSP
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from admin import issue_drafts, issue_send
from admin.accounts import has_role
from admin.auth import current_user, requires
from admin.issue_errors import FormError, in_french, known
from admin.presend import presend_notes
from admin.triage import N_
from admin.web import WebContext, ctx_of, flash, nav, read_form, redirect, render
from core.errors import InvalidInput, NotFound
from core.message import Placeholder, RenderedSegment, fill
from core.model import Issue, IssueKind, IssueStatus, Role
from core.text import fold
from digest import sections as S
from digest.checks import GMAIL_CLIP_BYTES, check_html, check_text
from digest.segments import Taxonomy, untagged
from digest.service import DigestService

nav("/admin/issues", "Numéros et emailings", Role.STAFF)

# The email's HTML carries inline styles; in the admin it is framed (same origin only) and runs nothing.
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'; sandbox"
SEARCH_LIMIT = 20
PICK_LIMIT = 40  # items offered by the emailing picker at a time (search to find others)


def service(ctx: WebContext) -> DigestService:
    return ctx.digest


def issue_or_404(ctx: WebContext, issue_id: int) -> Issue:
    try:
        return service(ctx).get(issue_id)
    except NotFound:
        raise HTTPException(404, "Ce numéro n'existe pas.") from None


def back(request: Request, issue_id: int, anchor: str = "") -> RedirectResponse:
    return redirect(request, f"/admin/issues/{issue_id}{anchor}")


def is_staff(request: Request) -> bool:
    user = current_user(request)
    return user is not None and has_role(user, Role.STAFF)


def by_of(request: Request) -> str | None:
    user = current_user(request)
    return user.email if user else None


# -- list and build ----------------------------------------------------------------------------------------------


@requires(Role.EDITOR)
async def issue_list(request: Request) -> Response:
    ctx = ctx_of(request)
    issues = ctx.issues.find()
    counts = ctx.ledger.counts_by_issue()
    issues.sort(key=lambda i: i.id or 0, reverse=True)
    return render(request, "admin/issues/list.html", {"issues": issues, "counts": counts})


def _build_context(
    ctx: WebContext,
    form: dict[str, str] | None = None,
    error: str = "",
    kind: str = "",
    chosen: list[int] | None = None,
) -> dict[str, Any]:
    form = form or {}
    chosen = chosen or []
    return {"themes": ctx.settings.taxonomy.themes, "form": form, "error": error, "kind": kind,
            "picks": pick_items(ctx, form.get("q", ""), chosen), "chosen": set(chosen)}  # fmt: skip


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def pick_items(ctx: WebContext, q: str, chosen: list[int]) -> list[Any]:
    """The emailing picker's list: the chosen items first, then approved, still open items whose title or summary
    holds every word of ``q`` (accents and case aside), deadline soonest first; :data:`PICK_LIMIT` at most."""
    today = ctx.clock.now().date()
    items = ctx.issues.approved_items()
    open_items = [i for i in items if i.deadline is None or i.deadline >= today]
    words = _fold(q).split()
    hits = [i for i in open_items if all(w in _fold(f"{i.title} {i.summary or ''}") for w in words)]
    hits.sort(key=lambda i: (i.deadline is None, i.deadline or today, i.title))
    first = [i for i in open_items if i.id in chosen]
    return [*first, *[i for i in hits if i.id not in chosen]][: PICK_LIMIT + len(first)]


@requires(Role.STAFF)
async def new_issue(request: Request) -> Response:
    return render(request, "admin/issues/new.html", _build_context(ctx_of(request)))


def parse_item_ids(raw: str) -> list[int]:
    """ "12, 15 18" → [12, 15, 18]; anything else is refused by name."""
    words = [w for w in raw.replace(",", " ").replace(";", " ").split() if w]
    bad = [w for w in words if not w.isdigit()]
    if bad:
        raise FormError(f"Numéros d'éléments invalides : {', '.join(bad[:5])} (des nombres, séparés par des virgules).")
    return list(dict.fromkeys(int(w) for w in words))


@requires(Role.STAFF)
async def build(request: Request) -> Response:
    ctx = ctx_of(request)
    form = await read_form(request)
    values = {k: str(v) for k, v in form.items() if k not in ("csrf_token", "item_ids")}
    values["item_ids"] = ", ".join(str(v) for v in form.getlist("item_ids"))
    kind = values.get("kind", "")
    svc = service(ctx)
    if form.get("action") == "search":  # the picker's search: the same page, the form's values kept
        try:
            chosen = parse_item_ids(values["item_ids"])
        except FormError:
            chosen = []
        return render(request, "admin/issues/new.html", _build_context(ctx, values, "", kind, chosen))
    try:
        if kind == IssueKind.NEWSLETTER:
            issue = svc.build_newsletter(
                editorial=values.get("editorial", ""), subject=values.get("subject") or None, by=by_of(request)
            )
        elif kind == IssueKind.EMAILING:
            ids = parse_item_ids(values.get("item_ids", ""))
            issue = svc.build_emailing(
                theme=values.get("theme") or None, item_ids=ids or None, text=values.get("text", ""),
                subject=values.get("subject") or None, by=by_of(request),
            )  # fmt: skip
        else:
            raise FormError("Choisissez une lettre ou un emailing.")
    except (InvalidInput, NotFound) as exc:
        message = in_french(exc)
        try:
            chosen = parse_item_ids(values["item_ids"])
        except FormError:
            chosen = []
        return render(request, "admin/issues/new.html", _build_context(ctx, values, message, kind, chosen),
                      status_code=400)  # fmt: skip
    flash(request, f"Brouillon créé : {issue.title} ({len(issue.entries)} éléments).", "success")
    assert issue.id is not None
    return back(request, issue.id)


# -- the issue's page -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SegmentView:
    key: str
    subscribers: int
    items: int
    html_bytes: int
    problems: list[str]

    @property
    def kb(self) -> float:
        return self.html_bytes / 1024

    @property
    def clipped(self) -> bool:
        return self.html_bytes > GMAIL_CLIP_BYTES


FAMILY_LABELS = {
    "themes": N_("Thèmes"),
    "zones": N_("Zones"),
    "territories": N_("Départements"),
    "audiences": N_("Publics"),
}


def untagged_rows(ctx: WebContext, items: dict[int, Any]) -> list[tuple[str, int, int]]:
    """(family label, items without a tag of it, items) for the families the taxonomy has; empty for no items."""
    if not items:
        return []
    tax = Taxonomy.from_settings(ctx.settings.taxonomy)
    counts = untagged(items.values(), tax)
    return [(FAMILY_LABELS[f], n, len(items)) for f, n in counts.items() if getattr(tax, f)]


def segment_views(svc: DigestService, issue_id: int) -> list[SegmentView]:
    """Each segment rendered once: its audience, its size against Gmail's limit, and the compatibility checks."""
    out = []
    for seg, r in svc.render_segments(issue_id):
        problems = [str(p) for p in check_html(r.html) + check_text(r.text)]
        out.append(SegmentView(seg.key, len(seg.subscriber_ids), len(seg.item_ids), len(r.html.encode()), problems))
    return out


def sections_of(issue: Issue, items: dict[int, Any]) -> list[tuple[str, str, list[Any]]]:
    """(slug, heading, [(entry, item, index, count)]) in reading order."""
    grouped: dict[str, list[Any]] = {}
    for e in sorted(issue.entries, key=lambda e: e.position):
        grouped.setdefault(e.section, []).append(e)
    out = []
    for slug in [*S.ORDER, *(k for k in grouped if k not in S.ORDER)]:
        entries = grouped.get(slug, [])
        if entries:
            rows = [(e, items.get(e.item_id), n, len(entries)) for n, e in enumerate(entries)]
            out.append((slug, S.heading(slug), rows))
    return out


@requires(Role.EDITOR)
async def issue_page(request: Request) -> Response:
    ctx = ctx_of(request)
    issue_id = int(request.path_params["issue_id"])
    issue = issue_or_404(ctx, issue_id)
    svc = service(ctx)
    items = svc.items_of(issue)
    # Segments need every confirmed subscriber's preferences (seconds at 20,000): they have their own page.
    q = request.query_params.get("q", "").strip()
    found = search_items(ctx, issue, q) if q else []
    context = {
        "issue": issue,
        "sections": sections_of(issue, items),
        "q": q,
        "found": found,
        "section_choices": [(s, S.heading(s)) for s in S.ORDER],
        "staff": is_staff(request),
        "untagged": untagged_rows(ctx, items),
        **issue_send.progress_context(ctx, issue),
    }
    return render(request, "admin/issues/issue.html", context)


@requires(Role.EDITOR)
async def segments_page(request: Request) -> Response:
    """Each segment rendered once: audience, items, HTML size against Gmail's limit, compatibility problems."""
    ctx = ctx_of(request)
    issue_id = int(request.path_params["issue_id"])
    issue = issue_or_404(ctx, issue_id)
    try:
        segments, render_error = segment_views(service(ctx), issue_id), ""
    except (InvalidInput, ValueError) as exc:  # an issue that cannot render says why instead of failing the page
        segments, render_error = [], known(exc) or str(exc)
    context = {
        "issue": issue,
        "segments": segments,
        "render_error": render_error,
        "untagged": untagged_rows(ctx, service(ctx).items_of(issue)),
    }
    if issue.status == IssueStatus.DRAFT:  # the sender's DNS and the last send's warnings (admin/presend.py)
        context |= await presend_notes(ctx, issue_id)
    return render(request, "admin/issues/segments.html", context)


def search_items(ctx: WebContext, issue: Issue, q: str) -> list[Any]:
    """Approved items not yet in the issue whose title or summary contains ``q``, case and accents aside."""
    present = {e.item_id for e in issue.entries}
    needle = fold(q)
    items = ctx.issues.approved_items()
    hits = [i for i in items if i.id not in present and needle in fold(f"{i.title}\n{i.summary or ''}")]
    return hits[:SEARCH_LIMIT]


async def _edit(request: Request, apply: Any) -> Response:
    ctx = ctx_of(request)
    issue_id = int(request.path_params["issue_id"])
    issue_or_404(ctx, issue_id)
    form = await read_form(request)
    try:
        message = apply(service(ctx), issue_id, form)
    except (InvalidInput, NotFound) as exc:
        flash(request, in_french(exc), "error")
        return back(request, issue_id, "#contenu")
    flash(request, message, "success")
    return back(request, issue_id, "#contenu")


def _item_id(form: Any) -> int:
    raw = str(form.get("item_id", ""))
    if not raw.isdigit():
        raise InvalidInput("Élément manquant ou invalide.")
    return int(raw)


@requires(Role.STAFF)
async def move_item(request: Request) -> Response:
    def apply(svc: DigestService, issue_id: int, form: Any) -> str:
        item_id = _item_id(form)
        issue = svc.get(issue_id)
        entry = next((e for e in issue.entries if e.item_id == item_id), None)
        if entry is None:
            raise InvalidInput(f"item {item_id} is not in this issue", code="item_not_in_issue", item=item_id)
        same = sorted((e for e in issue.entries if e.section == entry.section), key=lambda e: e.position)
        index = [e.item_id for e in same].index(item_id) + (-1 if form.get("direction") == "up" else 1)
        svc.move_item(issue_id, item_id, to_index=index)
        return "Ordre mis à jour."

    return await _edit(request, apply)


@requires(Role.STAFF)
async def remove_item(request: Request) -> Response:
    def apply(svc: DigestService, issue_id: int, form: Any) -> str:
        svc.remove_item(issue_id, _item_id(form))
        return "Élément retiré du numéro."

    return await _edit(request, apply)


@requires(Role.STAFF)
async def add_item(request: Request) -> Response:
    def apply(svc: DigestService, issue_id: int, form: Any) -> str:
        section = str(form.get("section") or "") or None
        if section is not None and section not in S.HEADINGS:
            raise InvalidInput("Rubrique inconnue.")
        svc.add_item(issue_id, _item_id(form), section=section)
        return "Élément ajouté au numéro."

    return await _edit(request, apply)


@requires(Role.STAFF)
async def edit_text(request: Request) -> Response:
    def apply(svc: DigestService, issue_id: int, form: Any) -> str:
        svc.set_subject(issue_id, str(form.get("subject", "")))
        svc.set_editorial(issue_id, str(form.get("editorial", "")))
        return "Objet et éditorial enregistrés."

    return await _edit(request, apply)


# -- previews ----------------------------------------------------------------------------------------------------


def sample_links(ctx: WebContext, r: RenderedSegment, issue_id: int, email: str) -> RenderedSegment:
    """Placeholders filled with links that lead nowhere personal: a preview belongs to no subscriber."""
    base = ctx.settings.network.base_url.rstrip("/")
    values = {
        Placeholder.VIEW_URL: f"{base}/archives/{issue_id}",
        Placeholder.PREFERENCES_URL: f"{base}/subscribe",
        Placeholder.UNSUBSCRIBE_URL: f"{base}/subscribe",
        Placeholder.EMAIL: email,
    }
    return RenderedSegment(r.issue_id, r.key, r.subject, fill(r.html, values), fill(r.text, values), r.item_ids)


def rendered_for(request: Request, issue_id: int) -> tuple[RenderedSegment, str]:
    """What ``?segment=KEY`` or ``?email=ADDRESS`` receives, else the whole issue; and a French label."""
    ctx = ctx_of(request)
    issue_or_404(ctx, issue_id)
    svc = service(ctx)
    key = request.query_params.get("segment", "").strip()
    email = request.query_params.get("email", "").strip()
    if email and not is_staff(request):
        # Editors never learn who subscribes: one refusal, word for word, for a subscriber's address and a stranger's.
        raise HTTPException(
            403, "L'aperçu tel que le reçoit une adresse est réservé à l'équipe : choisissez un segment."
        )
    try:
        if email:
            return sample_links(ctx, svc.render_for(issue_id, email), issue_id, email), f"tel que le reçoit {email}"
        if key:
            return sample_links(ctx, svc.render_segment(issue_id, key), issue_id, "abonne@exemple.fr"), f"segment {key}"
        whole = sample_links(ctx, svc.render_public(issue_id), issue_id, "abonne@exemple.fr")
        return whole, "numéro complet (toutes les rubriques)"
    except NotFound:
        raise HTTPException(404, f"Introuvable : {'abonné ' + email if email else 'segment ' + key}.") from None
    except InvalidInput as exc:
        raise HTTPException(
            400, f"{email} ne reçoit pas ce numéro (désinscrit, hors audience ou rien pour lui)."
        ) from exc


@requires(Role.EDITOR)
async def preview_page(request: Request) -> Response:
    issue_id = int(request.path_params["issue_id"])
    r, label = rendered_for(request, issue_id)
    issue = issue_or_404(ctx_of(request), issue_id)
    query = request.url.query
    return render(request, "admin/issues/preview.html", {"issue": issue, "r": r, "label": label, "query": query})


@requires(Role.EDITOR)
async def preview_html(request: Request) -> Response:
    r, _ = rendered_for(request, int(request.path_params["issue_id"]))
    return HTMLResponse(
        r.html,
        headers={"content-security-policy": PREVIEW_CSP, "x-frame-options": "SAMEORIGIN", "cache-control": "no-store"},
    )


def routes() -> list[BaseRoute]:
    p = "/admin/issues/{issue_id:int}"
    return [
        Route("/admin/issues", issue_list, methods=["GET"]),
        Route("/admin/issues/new", new_issue, methods=["GET"]),
        Route("/admin/issues", build, methods=["POST"]),
        Route(p, issue_page, methods=["GET"]),
        Route(f"{p}/move", move_item, methods=["POST"]),
        Route(f"{p}/remove", remove_item, methods=["POST"]),
        Route(f"{p}/add", add_item, methods=["POST"]),
        Route(f"{p}/text", edit_text, methods=["POST"]),
        Route(f"{p}/segments", segments_page, methods=["GET"]),
        Route(f"{p}/preview", preview_page, methods=["GET"]),
        Route(f"{p}/preview.html", preview_html, methods=["GET"]),
        *issue_send.routes(),
        *issue_drafts.routes(),
    ]
