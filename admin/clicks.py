"""The counted links' redirect: ``/r/{issue}/{item}/{signature}`` adds one to the item's count of the day and sends
the reader on to the item's link as approved.

check signature (else 404) | look the item up in the issue (else 404) | count (issue, item, day) | 302 to its link

Nothing about the reader is read or kept: no subscriber (the link names none), no address, no cookie, no referrer
passed on; the access log skips this route (:mod:`relais.logs`). A forged or altered link is a 404, never a
redirect to somewhere the link chose: the target comes from the database.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from admin.web import WebContext, ctx_of
from core.model import IssueStatus
from core.text import safe_url
from digest.clicks import ClickLinks
from digest.desk import ClickTarget

COUNTED = frozenset(str(s) for s in (IssueStatus.SENDING, IssueStatus.PAUSED, IssueStatus.SENT, IssueStatus.CANCELLED))
NOT_FOUND = "Ce lien n'existe pas ou n'est plus valable."


def _target(found: ClickTarget) -> str | None:
    return safe_url(found.url) or safe_url(found.canonical_url)


def click_links(ctx: WebContext) -> ClickLinks:
    return ClickLinks(ctx.secret_key, ctx.settings.network.base_url)


async def follow(request: Request) -> Response:
    ctx = ctx_of(request)
    issue_id: int = request.path_params["issue_id"]
    item_id: int = request.path_params["item_id"]
    if not click_links(ctx).valid(issue_id, item_id, request.path_params["signature"]):
        raise HTTPException(404, NOT_FOUND)
    day = ctx.clock.now().astimezone(ZoneInfo(ctx.settings.network.timezone)).date()
    count = ctx.settings.mail.count_clicks

    def counted(found: ClickTarget) -> bool:
        # Off since the email was sent: still a working link, not counted; nor are the test copies' (the issue
        # is not sent yet, the staff are checking the links); nor a link that goes nowhere (a 404).
        return count and found.issue_status in COUNTED and _target(found) is not None

    found = ctx.issues.follow_click(issue_id, item_id, day, counted=counted)
    target = None if found is None else _target(found)
    if target is None:
        raise HTTPException(404, NOT_FOUND)
    return RedirectResponse(
        target, status_code=302, headers={"cache-control": "no-store", "referrer-policy": "no-referrer"}
    )


def routes() -> list[BaseRoute]:
    return [Route("/r/{issue_id:int}/{item_id:int}/{signature}", follow)]
