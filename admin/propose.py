"""The public proposal pages: ``/propose`` (the form, in French), ``/propose/embed`` (the snippet for members'
sites), ``/propose/confirm/{token}`` (the contact's emailed link) and ``/propose/images/{name}`` (the re-encoded
images, under their random names).

Like ``/subscribe``: no login, no CSRF token (a member's site posts here directly), a hidden honeypot field, limits
per network address (:func:`admin.proxy.client_address`) and per contact address, fields read without control
characters (:func:`admin.web.read_public_form`). GET never changes anything: confirming is a POST from the page the
link opens. The flows live in :mod:`curation.proposals`, wired into ``WebContext.proposals``.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Template
from starlette.background import BackgroundTasks
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from admin.proxy import client_address
from admin.web import TEMPLATES, ctx_of, read_public_form, render
from core.errors import InvalidInput
from core.model import Item
from curation import proposal_images
from curation.proposal_form import KIND_LABELS, MAX_BODY, MAX_ORGANISATION, MAX_PLACE, MAX_TITLE, ProposalRefused
from curation.proposals import ProposalLimited, ProposalLinkError, ProposalService, Submission

TEXT_FIELDS = ("kind", "title", "body", "link", "deadline", "starts_at", "ends_at", "place", "organisation", "email",
               "image_alt", "website")  # fmt: skip
TOO_BIG_PART = (
    f"Un champ du formulaire est beaucoup trop long (le texte : {MAX_BODY} caractères au plus), ou le formulaire "
    "en compte trop. Rien n'a été enregistré."
)
LIMITS = {"title": MAX_TITLE, "body": MAX_BODY, "place": MAX_PLACE, "organisation": MAX_ORGANISATION}


def service_of(request: Request) -> ProposalService:
    found = ctx_of(request).proposals
    if found is None or not ctx_of(request).settings.proposals.enabled:
        raise HTTPException(404, "Les propositions ne sont pas ouvertes pour le moment.")
    return found


def _page(request: Request, values: dict[str, Any], lists: dict[str, list[str]], *, error: str = "",
          error_field: str = "", status_code: int = 200) -> Response:  # fmt: skip
    service = service_of(request)
    return render(
        request, "public/propose.html",
        {"form": values, "lists": lists, "error": error, "error_field": error_field, "kinds": KIND_LABELS,
         "themes": service.vocabulary.themes, "territories": service.vocabulary.territories, "limits": LIMITS,
         "max_image_mb": service.settings.max_image_bytes // 1_000_000},
        status_code=status_code,
    )  # fmt: skip


async def _image(form: FormData) -> bytes | None:
    upload = form.get("image")
    if not isinstance(upload, UploadFile):
        return None
    try:
        data = await upload.read()
    finally:
        await upload.close()
    return data or None


async def propose(request: Request) -> Response:
    service = service_of(request)
    if request.method == "GET":
        return _page(request, {"kind": request.query_params.get("kind", "")}, {})
    try:
        form = await read_public_form(request)
    except HTTPException as exc:
        if exc.status_code != 400:
            raise
        # Starlette's multipart parser refuses a text part over 1 MB or over 1,000 fields (in English): in French.
        return _page(request, {}, {}, error=TOO_BIG_PART, error_field="body", status_code=400)
    values = {k: str(form.get(k) or "") if not isinstance(form.get(k), UploadFile) else "" for k in TEXT_FIELDS}
    lists = {k: [str(v) for v in form.getlist(k) if isinstance(v, str)] for k in ("themes", "territories")}
    submission = Submission(form=values, lists=lists, image=await _image(form))
    mail = BackgroundTasks()  # the confirmation email leaves after the answer
    ip = client_address(request.scope, ctx_of(request).settings.web)
    try:
        await run_in_threadpool(service.submit, submission, ip, later=mail.add_task)
    except ProposalLimited as exc:
        return _page(request, values, lists, error=_sentence(exc), status_code=429)
    except ProposalRefused as exc:
        return _page(request, values, lists, error=_sentence(exc), error_field=exc.field, status_code=400)
    except InvalidInput as exc:
        return _page(request, values, lists, error=_sentence(exc), status_code=400)
    response = render(request, "public/propose_sent.html")
    response.background = mail
    return response


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return (text[:1].upper() + text[1:]).rstrip(".") + ". Rien n'a été enregistré."


async def embed(request: Request) -> Response:
    """The snippet for a member's site: a plain form posting here, the same checks and confirmation."""
    service = service_of(request)
    net = ctx_of(request).settings.network
    source = (TEMPLATES / "public" / "_propose_snippet.html").read_text(encoding="utf-8")
    snippet = Template(source, autoescape=True).render(
        base_url=net.base_url.rstrip("/"), network=net.name, kinds=KIND_LABELS,
        themes=service.vocabulary.themes, territories=service.vocabulary.territories,
    )  # fmt: skip
    return render(request, "public/propose_embed.html", {"snippet": snippet})


async def confirm(request: Request) -> Response:
    service, token = service_of(request), request.path_params["token"]
    try:
        if request.method == "GET":
            proposal = await run_in_threadpool(service.check_link, token)
            return render(request, "public/propose_confirm.html", {"token": token, "proposal": proposal, "done": False})
        item: Item = await run_in_threadpool(service.confirm, token)
    except ProposalLinkError as exc:
        raise HTTPException(400, f"Lien refusé : {exc}. Rien n'a été modifié.") from None
    return render(request, "public/propose_confirm.html", {"done": True, "item": item})


async def image(request: Request) -> Response:
    path = service_of(request).image_path(str(request.path_params["name"]))
    if path is None:
        raise HTTPException(404, "Image introuvable.")
    media = proposal_images.MEDIA_TYPES[path.suffix.lstrip(".")]
    return FileResponse(path, media_type=media, headers={"cache-control": "public, max-age=86400",
                                                        "x-content-type-options": "nosniff"})  # fmt: skip


def routes() -> list[BaseRoute]:
    both = ["GET", "POST"]
    return [
        Route("/propose", propose, methods=both),
        Route("/propose/embed", embed),
        Route("/propose/confirm/{token}", confirm, methods=both),
        Route("/propose/images/{name}", image),
    ]
