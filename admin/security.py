"""Security headers on every response: a CSP without inline scripts, no framing, no sniffing; HSTS when the
request came over https; ``Cache-Control: no-store`` on the admin and on the personal pages of subscribers."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin.proxy import is_https
from admin.web import route_path
from core.settings import WebSettings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000"
# Pages that show a person's data: the admin, and the pages a subscriber opens by signed link. A shared or
# back-button cache must not keep them.
PRIVATE_PREFIXES = ("/admin/", "/confirm/", "/preferences/", "/unsubscribe/", "/export/", "/erase/")


def is_private(path: str) -> bool:
    return path == "/admin" or path.startswith(PRIVATE_PREFIXES)


class SecurityHeadersMiddleware:
    """Adds :data:`HEADERS`; a response that sets its own CSP (an email preview) keeps it. Private pages get
    ``no-store`` unless they chose their own caching (the admin's static report stylesheet)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        web: WebSettings = scope["app"].state.ctx.settings.web
        https = is_https(scope, web)
        private = is_private(route_path(scope))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if https:
                    headers["strict-transport-security"] = HSTS
                if private and "cache-control" not in headers:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
