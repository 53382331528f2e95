"""The public home page ``/`` (the network, its sign-up form, the latest issues) and ``/abonnement``, where anyone
asks for the links to their preferences by email: the archive's « Choisir ce que je reçois » and « Se désabonner »
lead there, since a public page cannot carry anyone's personal link.

Like the other public pages: no login, no JavaScript, no CSRF token (see :mod:`admin.public`); GET changes nothing.
"""

from __future__ import annotations

from starlette.background import BackgroundTasks
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.public import client_ip, kit_of
from admin.web import ctx_of, read_public_form, render
from core.errors import InvalidInput
from core.model import IssueStatus, Stream
from subscribers.ratelimit import RateLimited

LATEST = 5  # issues listed on the home page; the archive has them all


async def home(request: Request) -> Response:
    ctx = ctx_of(request)
    sent = ctx.issues.find(status=IssueStatus.SENT)
    latest = sorted(sent, key=lambda i: i.sent_at or i.created_at or ctx.clock.now(), reverse=True)[:LATEST]
    kit = kit_of(request)
    context = {
        "issues": latest,
        "more": len(sent) > LATEST,
        "choices": kit.choices,
        "form": {},
        "chosen": {"streams": [str(s) for s in Stream]},
        "error": "",
        "wording_version": kit.service.settings.consent_wording_version,
    }
    return render(request, "public/home.html", context)


async def manage(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "public/manage.html", {"email": "", "error": "", "sent": False})
    form = await read_public_form(request)
    address = str(form.get("email", "")).strip()
    mail = BackgroundTasks()  # made after the answer, for every address: the timing tells nothing
    try:
        await run_in_threadpool(kit_of(request).service.send_links, address, client_ip(request), later=mail.add_task)
    except RateLimited as exc:
        return render(
            request, "public/manage.html", {"email": address, "error": str(exc), "sent": False}, status_code=429
        )
    except InvalidInput as exc:
        return render(
            request, "public/manage.html", {"email": address, "error": str(exc), "sent": False}, status_code=400
        )
    response = render(request, "public/manage.html", {"email": "", "error": "", "sent": True})
    response.background = mail
    return response


def routes() -> list[BaseRoute]:
    return [Route("/", home), Route("/abonnement", manage, methods=["GET", "POST"])]
