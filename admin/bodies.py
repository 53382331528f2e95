"""Request bodies are capped and timed by the app itself, whatever the proxy in front does.

A body is counted as it arrives (``http.request`` messages), not believed from its ``Content-Length``: a chunked
upload that never ends is stopped at the cap (413), a body that trickles in is dropped at
``[web] body_timeout_seconds`` (408). A declared length over the cap is refused before the page runs.

Caps by path: the public pages ``[web] max_form_bytes`` (64 KB: a sign-up or preferences form is a few hundred
bytes), the CSV import its file limit plus room for the form around it, the other admin pages
``[web] max_admin_form_bytes``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin.subscriber_tools import MAX_UPLOAD
from admin.web import route_path
from core.settings import WebSettings

UPLOAD_PATHS = frozenset({"/admin/subscribers/import"})
MULTIPART_ROOM = 1_048_576  # the form fields and part headers around an uploaded file

TOO_LARGE = "Requête trop volumineuse : ce formulaire dépasse la taille permise, rien n'a été enregistré."
TOO_SLOW = "Requête incomplète : le formulaire n'est pas arrivé à temps, rien n'a été enregistré. Réessayez."


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE)


class BodyTimeout(HTTPException):
    def __init__(self) -> None:
        super().__init__(408, TOO_SLOW)


def body_limit(path: str, web: WebSettings, uploads: Mapping[str, int] | None = None) -> int:
    """The most bytes a request to ``path`` may send; ``uploads``: public paths taking a file (``/propose``: its
    image cap), wired by the composition root in ``WebContext.upload_limits``."""
    if uploads and path in uploads:
        return uploads[path] + MULTIPART_ROOM
    if path in UPLOAD_PATHS:
        return MAX_UPLOAD + MULTIPART_ROOM
    if path == "/admin" or path.startswith("/admin/"):
        return web.max_admin_form_bytes
    return web.max_form_bytes


def declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class BodyLimitMiddleware:
    """Counts and times the request body; the page reading it gets :class:`BodyTooLarge` or :class:`BodyTimeout`,
    which the app's HTTP error handler turns into its French error page (413, 408)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        web: WebSettings = scope["app"].state.ctx.settings.web
        limit = body_limit(route_path(scope), web, scope["app"].state.ctx.upload_limits)
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await _answer(scope, receive, send, BodyTooLarge())
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + web.body_timeout_seconds
        received = 0
        complete = False
        started = False

        async def counted() -> Message:
            nonlocal received, complete
            if complete:  # past the body, receive() only waits for a disconnect: no deadline there
                return await receive()
            try:  # not asyncio.wait_for: on Python 3.11 it runs receive() in a new task, three loop rounds
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout() from None
            if message["type"] != "http.request":
                complete = True
                return message
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge()
            complete = not message.get("more_body", False)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except (BodyTooLarge, BodyTimeout) as exc:  # raised outside a page (a middleware reading the body)
            if started:
                raise
            await _answer(scope, receive, send, exc)


async def _answer(scope: Scope, receive: Receive, send: Send, exc: HTTPException) -> None:
    """The app's own error page for ``exc`` (its HTTPException handler), plain text without one."""
    handler: Callable[[Request, Exception], Awaitable[Response]] | None = getattr(
        scope["app"], "exception_handlers", {}
    ).get(HTTPException)
    if handler is not None:
        response = await handler(Request(scope, receive), exc)
    else:
        response = PlainTextResponse(exc.detail, status_code=exc.status_code)
    response.headers["connection"] = "close"  # what is left of the body is never read
    await response(scope, receive, send)
