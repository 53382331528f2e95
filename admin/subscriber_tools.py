"""Staff tools over many subscribers: the segment preview and the CSV import (dry run, then import).

import   upload | keep the file server-side under a random token named in the session | dry run: row by row
         report | (same file, same options) import | confirmation emails for unconfirmed imports | forget the file

The file never travels twice: the second step names it by the session's token, so what is imported is exactly
what was previewed. A confirmed import needs its legal basis, written on every imported row and consent event.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.auth import requires
from admin.subscribers import choices
from admin.web import WebContext, ctx_of, flash, is_htmx, read_form, redirect, render
from core.errors import InvalidInput
from core.model import Role, Stream, Subscriber
from subscribers.importer import ImportReport
from subscribers.kit import SubscriberKit
from subscribers.preferences import STREAM_LABELS
from subscribers.vocabulary import Vocabulary

AUDIENCE_FAMILIES = ("kinds", "themes", "zones", "territories")
MAX_UPLOAD = 30 * 1024 * 1024  # 100,000 rows are about 10 MB
STALE_AFTER = 24 * 3600  # uploads never imported are deleted after a day
SHOWN_ROWS = 1000  # rows listed on the report page; the counts cover the whole file
OUTCOME_LABELS = {
    "created": "sera ajoutée",
    "exists": "déjà inscrite (inchangée)",
    "duplicate": "en double dans le fichier",
    "suppressed": "effacée ou bloquée (jamais réimportée)",
    "failed": "refusée",
}


# -- segment preview -------------------------------------------------------------------------------------------


def audience_of(request: Request) -> tuple[dict[str, list[str]], Stream | None]:
    """The audience asked in the query string; HTTP 400 naming any unknown value."""
    known = choices(request)
    audience: dict[str, list[str]] = {}
    errors = []
    for family in AUDIENCE_FAMILIES:
        values = [v for v in request.query_params.getlist(family) if v]
        unknown = [v for v in values if v not in known.order(family)]
        if unknown:
            errors.append(f"{family} : {', '.join(unknown)}")
        audience[family] = values
    raw_stream = request.query_params.get("stream", "")
    if raw_stream and raw_stream not in {str(s) for s in Stream}:
        errors.append(f"envoi : {raw_stream}")
    if errors:
        raise HTTPException(400, "Valeurs inconnues — " + " ; ".join(errors) + ".")
    return audience, Stream(raw_stream) if raw_stream else None


@requires(Role.STAFF)
async def segment_preview(request: Request) -> Response:
    """How many confirmed subscribers a set of preferences reaches; htmx swaps only the count."""
    audience, stream = audience_of(request)
    reached = await run_in_threadpool(ctx_of(request).subscriber_desk.count, audience, stream)
    context = {"reached": reached, "audience": audience, "stream": str(stream or ""), "choices": choices(request),
               "stream_labels": STREAM_LABELS}  # fmt: skip
    if is_htmx(request):
        return render(request, "admin/subscribers/_segment_count.html", context)
    return render(request, "admin/subscribers/segments.html", context)


# -- import ----------------------------------------------------------------------------------------------------


def upload_dir(ctx: WebContext) -> Path:
    """Where uploads wait between the dry run and the import (``ctx.upload_dir``, else the temp dir)."""
    folder = ctx.upload_dir or Path(tempfile.gettempdir()) / "relais-imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _forget_stale(folder: Path) -> None:
    cutoff = time.time() - STALE_AFTER
    for old in folder.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def _kit(ctx: WebContext) -> SubscriberKit | None:
    return ctx.subscribers


def _import_page(request: Request, *, error: str = "", form: dict[str, Any] | None = None,
                 status_code: int = 200) -> Response:  # fmt: skip
    return render(request, "admin/subscribers/import.html", {"error": error, "form": form or {}},
                  status_code=status_code)  # fmt: skip


def _options(form: FormData) -> tuple[bool, str]:
    confirmed = form.get("confirmed") == "1"
    basis = str(form.get("basis", "")).strip()[:500]
    if confirmed and not basis:
        raise InvalidInput("indiquez la base légale (consentement recueilli, adhésion…) pour importer des adresses "
                           "déjà confirmées")  # fmt: skip
    return confirmed, basis


@requires(Role.STAFF)
async def import_form(request: Request) -> Response:
    return _import_page(request)


@requires(Role.STAFF)
async def import_preview(request: Request) -> Response:
    """Keep the uploaded file under a new token, and show what importing it would do, row by row."""
    form = await read_form(request)
    try:
        return await _preview(request, form)
    finally:
        await form.close()  # the upload's spooled temporary file


async def _preview(request: Request, form: FormData) -> Response:
    kept = {"confirmed": form.get("confirmed") == "1", "basis": str(form.get("basis", ""))}
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(request, error="Choisissez un fichier CSV.", form=kept, status_code=400)
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _import_page(request, error=f"Fichier trop gros (plus de {MAX_UPLOAD // 2**20} Mo) : découpez-le.",
                            form=kept, status_code=400)  # fmt: skip
    ctx = ctx_of(request)
    try:
        confirmed, basis = _options(form)
        report: ImportReport = await run_in_threadpool(
            ctx.subscriber_desk.import_csv, data, choices(request), dry_run=True, confirmed=confirmed, basis=basis
        )
    except InvalidInput as exc:
        return _import_page(request, error=f"Fichier refusé : {exc}.", form=kept, status_code=400)
    folder = upload_dir(ctx)
    _forget_stale(folder)
    previous = request.session.get("import")
    if previous:
        (folder / f"{previous['token']}.csv").unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.csv").write_bytes(data)
    request.session["import"] = {"token": token, "filename": upload.filename[:200], "confirmed": confirmed,
                                 "basis": basis}  # fmt: skip
    return _report_page(request, report, token=token)


def _report_page(request: Request, report: ImportReport, *, token: str = "") -> Response:
    problems = [r for r in report.rows if r.outcome != "created"]
    return render(
        request, "admin/subscribers/import_report.html",
        {"report": report, "summary": report.summary, "problems": problems[:SHOWN_ROWS],
         "rows": report.rows[:SHOWN_ROWS], "shown": SHOWN_ROWS, "token": token,
         "upload": request.session.get("import") or {}, "labels": OUTCOME_LABELS,
         "label_uses": report.labels(Vocabulary.of(choices(request)))},
    )  # fmt: skip


@requires(Role.STAFF)
async def import_run(request: Request) -> Response:
    """Import the file previewed in this session, with the options chosen then."""
    form = await read_form(request)
    pending = request.session.get("import")
    token = str(form.get("token", ""))
    ctx = ctx_of(request)
    path = upload_dir(ctx) / f"{pending['token']}.csv" if pending else None
    if not pending or not secrets.compare_digest(token, pending["token"]) or path is None or not path.exists():
        return _import_page(request, error="Cet import a expiré ou a déjà été fait : déposez le fichier à nouveau.",
                            status_code=400)  # fmt: skip
    kit = _kit(ctx)
    if not pending["confirmed"] and kit is None:
        unavailable = ("Les emails de confirmation ne sont pas disponibles : importez des adresses confirmées "
                       "(avec leur base légale) ou réessayez plus tard.")  # fmt: skip
        return _import_page(request, error=unavailable, status_code=503)

    def send_confirmation(sub: Subscriber) -> None:
        assert kit is not None and sub.id is not None
        kit.service.mailer.send("confirm", sub, {"confirm": kit.links.confirm_url(sub.id)})

    try:
        report: ImportReport = await run_in_threadpool(
            ctx.subscriber_desk.import_csv, path.read_bytes(), choices(request), confirmed=pending["confirmed"],
            basis=pending["basis"], on_pending=None if pending["confirmed"] else send_confirmation,
        )  # fmt: skip
    except InvalidInput as exc:
        return _import_page(request, error=f"Import refusé : {exc}.", status_code=400)
    path.unlink(missing_ok=True)
    request.session.pop("import", None)
    s = report.summary
    note = "" if pending["confirmed"] else " Chacune reçoit un email pour confirmer son inscription."
    flash(request, f"Import terminé : {s['created']} adresse(s) ajoutée(s), {s['failed']} refusée(s), "
                   f"{s['exists'] + s['duplicate'] + s['suppressed']} ignorée(s).{note}", "success")  # fmt: skip
    return redirect(request, "/admin/subscribers")


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/subscribers/segments", segment_preview, methods=["GET"]),
        Route("/admin/subscribers/import", import_form, methods=["GET"]),
        Route("/admin/subscribers/import", import_preview, methods=["POST"]),
        Route("/admin/subscribers/import/run", import_run, methods=["POST"]),
    ]
