"""Copying an issue into a new draft, and deleting a draft (after a confirmation page): staff only."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.auth import current_user, requires
from admin.web import ctx_of, flash, read_form, redirect, render
from core.errors import InvalidTransition, NotFound
from core.model import Issue, IssueStatus, Role


def _issue(request: Request) -> Issue:
    try:
        return ctx_of(request).issues.get(int(request.path_params["issue_id"]))
    except NotFound:
        raise HTTPException(404, "Numéro introuvable.") from None


@requires(Role.STAFF)
async def duplicate_issue(request: Request) -> Response:
    await read_form(request)
    ctx, issue = ctx_of(request), _issue(request)
    assert issue.id is not None
    user = current_user(request)
    copy = ctx.issues.duplicate(issue.id, by=user.email if user else None)
    flash(request, f"Brouillon créé à partir de « {issue.title} » : {copy.title} ({len(copy.entries)} éléments). "
          "Vérifiez que ses éléments sont toujours d'actualité.", "success")  # fmt: skip
    return redirect(request, f"/admin/issues/{copy.id}")


def _confirm(request: Request, issue: Issue, *, missing: bool = False, status_code: int = 200) -> Response:
    return render(request, "admin/issues/confirm.html", {
        "issue": issue, "action": f"/admin/issues/{issue.id}/delete", "title": "Supprimer le brouillon",
        "question": f"Supprimer le brouillon « {issue.title} » ?",
        "consequence": f"Le brouillon et sa sélection de {len(issue.entries)} élément(s) disparaissent ; les éléments "
                       "eux-mêmes restent approuvés. Cette action est définitive.",
        "button": "Oui, supprimer le brouillon", "missing": missing}, status_code=status_code)  # fmt: skip


@requires(Role.STAFF)
async def delete_page(request: Request) -> Response:
    issue = _issue(request)
    if issue.status != IssueStatus.DRAFT:
        raise HTTPException(400, "Seul un brouillon peut être supprimé : un numéro envoyé reste dans l'historique.")
    return _confirm(request, issue)


@requires(Role.STAFF)
async def delete_issue(request: Request) -> Response:
    form = await read_form(request)
    issue = _issue(request)
    assert issue.id is not None
    if form.get("confirm") != "yes":
        return _confirm(request, issue, missing=True, status_code=400)
    try:
        ctx_of(request).issues.delete_draft(issue.id)
    except InvalidTransition:
        raise HTTPException(
            400, "Seul un brouillon peut être supprimé : un numéro envoyé reste dans l'historique."
        ) from None
    flash(request, f"Brouillon « {issue.title} » supprimé.", "success")
    return redirect(request, "/admin/issues")


def routes() -> list[BaseRoute]:
    p = "/admin/issues/{issue_id:int}"
    return [
        Route(f"{p}/duplicate", duplicate_issue, methods=["POST"]),
        Route(f"{p}/delete", delete_page, methods=["GET"]),
        Route(f"{p}/delete", delete_issue, methods=["POST"]),
    ]
