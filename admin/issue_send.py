"""Sending from the admin (issue 7, "on demand"): a test copy to chosen addresses first, then a confirmation
that shows the audience per segment, then send now or at a time; live progress, pause, resume, cancel, and the
ledger with the relay's replies.

The send itself never runs in the request: the composition root puts a :class:`Sending` in
``WebContext.sending`` whose ``start`` hands the issue to a background executor it owns.

send:  read form (CSRF) | a test copy was sent in this session | confirmed | digest approval (checks) at a time
       | now: start in the background; later: the scheduler's ``deliveries.send_due`` starts it
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from admin.auth import current_user, requires
from admin.issue_errors import FormError, in_french
from admin.presend import presend_notes
from admin.seams import Sending
from admin.web import WebContext, ctx_of, flash, is_htmx, read_form, redirect, render
from core.errors import InvalidInput, NotFound
from core.model import DeliveryStatus, Issue, IssueStatus, Role
from delivery.mailers.base import SendResult, Verdict
from delivery.proof import ProofCopy

MAX_TEST_ADDRESSES = 10
LEDGER_PAGE = 50
LIVE = (IssueStatus.SCHEDULED, IssueStatus.SENDING)  # statuses whose progress is worth polling


def sending_of(ctx: WebContext) -> Sending:
    seam = ctx.sending
    if seam is None:
        raise HTTPException(503, "L'envoi n'est pas configuré pour cette instance de l'administration.")
    return seam


def _issue(ctx: WebContext, issue_id: int) -> Issue:
    try:
        return ctx.digest.get(issue_id)
    except NotFound:
        raise HTTPException(404, "Ce numéro n'existe pas.") from None


def _back(request: Request, issue_id: int, anchor: str = "#envoi") -> RedirectResponse:
    return redirect(request, f"/admin/issues/{issue_id}{anchor}")


def _tested(request: Request) -> list[int]:
    return [int(i) for i in request.session.get("tested_issues", [])]


# -- progress ----------------------------------------------------------------------------------------------------


def progress_context(ctx: WebContext, issue: Issue) -> dict[str, Any]:
    assert issue.id is not None
    counts = ctx.ledger.counts(issue.id)
    total = sum(counts.values())
    done = total - counts[DeliveryStatus.QUEUED] - counts[DeliveryStatus.SENDING] - counts[DeliveryStatus.DEFERRED]
    seam = ctx.sending
    return {
        "issue": issue,
        "counts": counts,
        "total": total,
        "done": done,
        "percent": round(100 * done / total) if total else 0,
        "live": issue.status in LIVE,
        "running": bool(seam and seam.running(issue.id)),
    }


@requires(Role.EDITOR)
async def progress(request: Request) -> Response:
    """The progress block alone (htmx polls it every 2 s); without JavaScript, the issue page's refresh link."""
    ctx = ctx_of(request)
    issue = _issue(ctx, int(request.path_params["issue_id"]))
    if not is_htmx(request):
        return _back(request, int(request.path_params["issue_id"]))
    return render(request, "admin/issues/_progress.html", progress_context(ctx, issue))


# -- test copy, confirmation, send -------------------------------------------------------------------------------


def parse_addresses(raw: str) -> list[str]:
    """Addresses separated by commas, semicolons or lines; each checked (syntax only: no DNS in a request)."""
    words = [w.strip() for w in raw.replace(";", ",").replace("\n", ",").split(",") if w.strip()]
    if not words:
        raise FormError("Indiquez au moins une adresse pour la copie de test.")
    if len(words) > MAX_TEST_ADDRESSES:
        raise FormError(f"{len(words)} adresses : une copie de test part à {MAX_TEST_ADDRESSES} adresses au plus.")
    out = []
    for w in words:
        try:
            out.append(validate_email(w, check_deliverability=False).normalized)
        except EmailNotValidError:
            raise FormError(f"Adresse invalide : « {w} ».") from None
    return list(dict.fromkeys(out))


def _describe(result: SendResult) -> str:
    code = f"{result.code} " if result.code else ""
    return ("acceptée" if result.verdict is Verdict.ACCEPTED else "refusée") + f" ({code}{result.reply})".rstrip()


def proof_report(copies: Sequence[ProofCopy]) -> str:
    """One French sentence for a test send: who got which segment, and who was refused (and why). Pure."""
    sent = [c for c in copies if c.result.verdict is Verdict.ACCEPTED]
    refused = [c for c in copies if c.result.verdict is not Verdict.ACCEPTED]
    parts = []
    if sent:
        each = "; ".join(f"{c.address} (« {c.description or 'segment unique'} »{', son segment' if c.own else ''})"
                         for c in sent)  # fmt: skip
        parts.append(f"Copie de test envoyée à {each}." if len(sent) == 1 else f"Copies de test envoyées : {each}.")
    if refused:
        each = "; ".join(f"{c.address} : {_describe(c.result)}" for c in refused)
        parts.append(f"Refusée par le serveur d'envoi : {each}.")
    return " ".join(parts)


@requires(Role.STAFF)
async def test_send(request: Request) -> Response:
    ctx = ctx_of(request)
    issue_id = int(request.path_params["issue_id"])
    issue = _issue(ctx, issue_id)
    form = await read_form(request)
    segment = str(form.get("segment") or "") or None
    try:
        addresses = parse_addresses(str(form.get("addresses", "")))
        results = sending_of(ctx).send_test(issue_id, issue.kind, addresses, segment)
    except InvalidInput as exc:
        flash(request, in_french(exc), "error")
        return _back(request, issue_id)
    ok = any(c.result.verdict is Verdict.ACCEPTED for c in results)
    flash(request, proof_report(results), "success" if ok and all(
        c.result.verdict is Verdict.ACCEPTED for c in results) else "error")  # fmt: skip
    if ok:
        request.session["tested_issues"] = sorted({*_tested(request), issue_id})
        return redirect(request, f"/admin/issues/{issue_id}/send")
    return _back(request, issue_id)


def _confirm_context(ctx: WebContext, request: Request, issue: Issue, error: str = "") -> dict[str, Any]:
    assert issue.id is not None
    audience = sending_of(ctx).segments(issue.id) if issue.status == IssueStatus.DRAFT else []
    return {
        "issue": issue,
        "audience": audience,
        "audience_total": sum(a.recipients for a in audience),
        "tested": issue.id in _tested(request),
        "error": error,
        "timezone": ctx.settings.network.timezone,
    }


@requires(Role.STAFF)
async def confirm_page(request: Request) -> Response:
    ctx = ctx_of(request)
    issue = _issue(ctx, int(request.path_params["issue_id"]))
    notes = await presend_notes(ctx, issue.id or 0) if issue.status == IssueStatus.DRAFT else {}
    return render(request, "admin/issues/send.html", {**_confirm_context(ctx, request, issue), **notes})


def parse_when(mode: str, raw: str, *, tz: str, now: datetime) -> datetime | None:
    """None for "now"; else the local date and time in the network's time zone, which must be in the future."""
    if mode == "now":
        return None
    if mode != "later":
        raise FormError("Choisissez « maintenant » ou « à une date ».")
    try:
        local = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise FormError(f"Date et heure illisibles : « {raw} » (format attendu : 2026-12-01T09:00).") from None
    when = local.replace(tzinfo=ZoneInfo(tz)) if local.tzinfo is None else local
    if when <= now:
        raise FormError("La date d'envoi est passée : choisissez un moment à venir.")
    return when


@requires(Role.STAFF)
async def send(request: Request) -> Response:
    ctx = ctx_of(request)
    issue_id = int(request.path_params["issue_id"])
    issue = _issue(ctx, issue_id)
    form = await read_form(request)
    seam = sending_of(ctx)
    try:
        if issue_id not in _tested(request):
            raise FormError("Envoyez d'abord une copie de test et vérifiez-la.")
        if form.get("confirm") != "yes":
            raise FormError("Cochez la case de confirmation pour lancer l'envoi.")
        now = ctx.clock.now()
        when = parse_when(str(form.get("mode", "")), str(form.get("at", "")), tz=ctx.settings.network.timezone, now=now)
        user = current_user(request)
        ctx.digest.approve(issue_id, at=when or now, by=user.email if user else None)
    except InvalidInput as exc:
        notes = await presend_notes(ctx, issue_id) if issue.status == IssueStatus.DRAFT else {}
        return render(request, "admin/issues/send.html",
                      {**_confirm_context(ctx, request, issue, in_french(exc)), **notes}, status_code=400)  # fmt: skip
    if when is None:
        seam.start(issue_id)
        flash(request, "Envoi lancé : la progression s'affiche ci-dessous.", "success")
    else:
        flash(request, f"Envoi programmé pour le {when:%d/%m/%Y à %H:%M} ({ctx.settings.network.timezone}).", "success")
    return _back(request, issue_id)


# -- staff's levers ----------------------------------------------------------------------------------------------


async def _lever(request: Request, action: str) -> Response:
    ctx = ctx_of(request)
    issue_id = int(request.path_params["issue_id"])
    issue = _issue(ctx, issue_id)
    form = await read_form(request)
    if action == "cancel" and form.get("confirm") != "yes":
        return render(request, "admin/issues/confirm.html", _cancel_context(ctx, issue, missing=True), status_code=400)
    try:
        if action == "pause":
            ctx.ledger.pause(issue_id)
            message = "Envoi mis en pause : il s'arrête après le lot en cours."
        elif action == "resume":
            ctx.ledger.resume(issue_id)
            sending_of(ctx).start(issue_id)
            message = "Envoi repris."
        elif action == "unschedule":
            ctx.digest.back_to_draft(issue_id)
            message = "Programmation annulée : le numéro est de nouveau un brouillon."
        else:
            skipped = ctx.ledger.cancel(issue_id, ctx.clock.now())
            message = f"Envoi annulé : {skipped} message(s) non envoyé(s) ne partiront pas."
    except InvalidInput as exc:
        flash(request, in_french(exc), "error")
        return _back(request, issue_id)
    flash(request, message, "success")
    return _back(request, issue_id)


@requires(Role.STAFF)
async def pause(request: Request) -> Response:
    return await _lever(request, "pause")


@requires(Role.STAFF)
async def resume(request: Request) -> Response:
    return await _lever(request, "resume")


@requires(Role.STAFF)
async def cancel(request: Request) -> Response:
    return await _lever(request, "cancel")


def _cancel_context(ctx: WebContext, issue: Issue, *, missing: bool = False) -> dict[str, Any]:
    assert issue.id is not None
    counts = ctx.ledger.counts(issue.id)
    waiting = sum(n for st, n in counts.items() if st in (DeliveryStatus.QUEUED, DeliveryStatus.DEFERRED))
    if issue.status == IssueStatus.DRAFT:
        consequence = ("Le brouillon sera marqué « annulé » et ne pourra plus être envoyé ni modifié (pour le "
                       "garder, ne faites rien ; pour le retirer de la liste, supprimez-le plutôt).")  # fmt: skip
    else:
        consequence = f"{waiting} message(s) pas encore partis ne partiront pas ; ceux déjà envoyés le restent."
    return {"issue": issue, "action": f"/admin/issues/{issue.id}/cancel", "title": "Annuler l'envoi",
            "question": f"Annuler l'envoi de « {issue.title} » ?", "consequence": consequence,
            "button": "Oui, annuler l'envoi", "missing": missing}  # fmt: skip


@requires(Role.STAFF)
async def cancel_page(request: Request) -> Response:
    ctx = ctx_of(request)
    issue = _issue(ctx, int(request.path_params["issue_id"]))
    return render(request, "admin/issues/confirm.html", _cancel_context(ctx, issue))


@requires(Role.STAFF)
async def unschedule(request: Request) -> Response:
    return await _lever(request, "unschedule")


# -- the ledger --------------------------------------------------------------------------------------------------


@requires(Role.STAFF)  # every recipient's address: never an editor's page
async def ledger(request: Request) -> Response:
    ctx = ctx_of(request)
    issue = _issue(ctx, int(request.path_params["issue_id"]))
    assert issue.id is not None
    raw_status = request.query_params.get("status", "")
    if raw_status and raw_status not in {str(s) for s in DeliveryStatus}:
        raise HTTPException(400, f"Statut inconnu : « {raw_status} ».")
    status = DeliveryStatus(raw_status) if raw_status else None
    page_raw = request.query_params.get("page", "1")
    page = int(page_raw) if page_raw.isdigit() and int(page_raw) > 0 else 1
    rows, total = ctx.ledger.page(issue.id, status=status, offset=(page - 1) * LEDGER_PAGE, limit=LEDGER_PAGE)
    pages = max(1, -(-total // LEDGER_PAGE))
    return render(request, "admin/issues/ledger.html", {
        "issue": issue, "rows": rows, "total": total, "page": page, "pages": pages, "status": raw_status,
        "statuses": list(DeliveryStatus),
    })  # fmt: skip


def routes() -> list[BaseRoute]:
    p = "/admin/issues/{issue_id:int}"
    return [
        Route(f"{p}/progress", progress, methods=["GET"]),
        Route(f"{p}/test", test_send, methods=["POST"]),
        Route(f"{p}/send", confirm_page, methods=["GET"]),
        Route(f"{p}/send", send, methods=["POST"]),
        Route(f"{p}/pause", pause, methods=["POST"]),
        Route(f"{p}/resume", resume, methods=["POST"]),
        Route(f"{p}/cancel", cancel_page, methods=["GET"]),
        Route(f"{p}/cancel", cancel, methods=["POST"]),
        Route(f"{p}/unschedule", unschedule, methods=["POST"]),
        Route(f"{p}/ledger", ledger, methods=["GET"]),
    ]
