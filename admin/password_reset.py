"""A forgotten password, reset by an emailed link: ``/admin/password/forgot`` then ``/admin/password/reset/{token}``.

forgot: read form (CSRF) | the same page whatever the address | known, active account, not asked in the last
        :data:`RESEND_AFTER`: after the answer, email a link through the system mail path (the subscribers' one:
        rendered, composed, signed, sent)
reset:  check the link (signature, under an hour old, the account's session version and password unchanged)
        | the new password under the policy (:mod:`admin.passwords`) | store it: the session version moves on, so
        every session of the account ends and the link is spent | to the login page

A link is signed with itsdangerous (its own salt) and carries the account id, its session version, a fingerprint of
its password hash and the time it was made: it serves once (setting the password changes both) and for
:data:`VALID_FOR`; a logout everywhere or an admin's reset voids it too.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.accounts import validate_email
from admin.web import ctx_of, flash, read_form, redirect, render
from core.errors import InvalidInput, RelaisError
from core.model import Subscriber, User
from subscribers.accounts import Accounts

log = logging.getLogger("relais.admin")
VALID_FOR = timedelta(hours=1)
# One email per address in this window, whatever the number of asks: a stranger cannot flood a mailbox.
RESEND_AFTER = timedelta(minutes=5)
SALT = "relais.admin.password-reset"
SENT = ("Si un compte actif existe pour cette adresse, un email vient de lui être envoyé avec un lien pour choisir "
        "un nouveau mot de passe (valable une heure, une seule fois).")  # fmt: skip
SPENT = "Ce lien n'est plus valable (déjà utilisé, trop ancien ou remplacé) : demandez-en un nouveau."


@dataclass(frozen=True, slots=True)
class ResetLinks:
    """Makes and reads reset tokens. Pure but for the clock given to each call."""

    secret_key: str

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret_key, salt=SALT)

    def make(self, user: User, now: datetime) -> str:
        assert user.id is not None
        return str(self._serializer().dumps([user.id, user.session_version, fingerprint(user), int(now.timestamp())]))

    def account_id(self, token: str, now: datetime) -> int | None:
        """The account a token names if it is well signed and younger than :data:`VALID_FOR`, else None."""
        try:
            user_id, _version, _print, issued = self._serializer().loads(token)
        except (BadSignature, ValueError, TypeError):
            return None
        age = now.timestamp() - int(issued)
        return int(user_id) if 0 <= age <= VALID_FOR.total_seconds() else None

    def still_valid(self, token: str, user: User | None, now: datetime) -> bool:
        """Whether ``token`` may set ``user``'s password now: unspent (same version and password), unexpired."""
        if user is None or not user.active or self.account_id(token, now) != user.id:
            return False
        _id, version, printed, _issued = self._serializer().loads(token)
        return bool(version == user.session_version and printed == fingerprint(user))


def fingerprint(user: User) -> str:
    """A few characters of a hash of the password hash: the link dies when the password changes."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _links(request: Request) -> ResetLinks:
    return ResetLinks(ctx_of(request).secret_key)


def _account(accounts: Accounts, *, email: str | None = None, user_id: int | None = None) -> User | None:
    return accounts.by_email(email) if email is not None else accounts.by_id(user_id or 0)


async def forgot_page(request: Request) -> Response:
    return render(request, "admin/password_forgot.html", {"email": ""})


async def forgot_submit(request: Request) -> Response:
    """The same answer, at the same speed, whether the address has an account or not: the email leaves after it."""
    form = await read_form(request)
    raw = str(form.get("email", "")).strip()
    try:
        email = validate_email(raw)
    except InvalidInput:
        return render(request, "admin/password_forgot.html", {"email": raw[:200],
                      "error": "Adresse invalide : vérifiez-la."}, status_code=400)  # fmt: skip
    ctx = ctx_of(request)
    base = ctx.settings.network.base_url.rstrip("/") or str(request.base_url).rstrip("/")
    links, now = _links(request), ctx.clock.now()
    kit = ctx.subscribers

    asked = ctx.password_resets
    recent = asked.get(email)
    if recent is not None and now - recent < RESEND_AFTER:
        flash(request, SENT, "success")  # the same answer; no second email
        return redirect(request, "/admin/login")
    asked[email] = now
    for old in [e for e, at in asked.items() if now - at >= RESEND_AFTER]:
        del asked[old]

    def send() -> None:
        user = _account(ctx.accounts, email=email)
        if user is None or not user.active or kit is None:
            return
        url = f"{base}/admin/password/reset/{links.make(user, now)}"
        try:
            kit.service.mailer.send("password_reset", Subscriber(email=user.email), {"reset": url})
        except RelaisError:  # the answer is gone already; the mail path logged the refusal
            log.warning("admin.password_reset_not_sent", extra={"user_id": user.id})

    flash(request, SENT, "success")
    return redirect(request, "/admin/login", background=BackgroundTask(send))


async def reset_page(request: Request) -> Response:
    token = str(request.path_params["token"])
    ctx = ctx_of(request)
    links, now = _links(request), ctx.clock.now()
    user_id = links.account_id(token, now)
    user = _account(ctx.accounts, user_id=user_id) if user_id is not None else None
    if not links.still_valid(token, user, now):
        return render(request, "admin/password_reset.html", {"spent": SPENT}, status_code=400)
    return render(request, "admin/password_reset.html", {"token": token, "account": user})


async def reset_submit(request: Request) -> Response:
    form = await read_form(request)
    token = str(request.path_params["token"])
    ctx = ctx_of(request)
    links, now = _links(request), ctx.clock.now()
    user_id = links.account_id(token, now)
    user = _account(ctx.accounts, user_id=user_id) if user_id is not None else None
    if user is None or not links.still_valid(token, user, now):
        return render(request, "admin/password_reset.html", {"spent": SPENT}, status_code=400)
    new, again = str(form.get("password", "")), str(form.get("confirm", ""))

    def refuse(error: str) -> Response:
        return render(request, "admin/password_reset.html", {"token": token, "account": user, "error": error},
                      status_code=400)  # fmt: skip

    if new != again:
        return refuse("Les deux saisies du nouveau mot de passe diffèrent.")
    try:
        # set_password applies the policy and raises the session version: every session ends, the link is spent
        await asyncio.to_thread(ctx.accounts.set_password, user.email, new)
    except InvalidInput as exc:
        return refuse(f"Mot de passe refusé : {exc}.")
    request.session.clear()
    flash(request, "Mot de passe changé : toutes les sessions de ce compte ont pris fin. Connectez-vous.", "success")
    return redirect(request, "/admin/login")


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/password/forgot", forgot_page, methods=["GET"]),
        Route("/admin/password/forgot", forgot_submit, methods=["POST"]),
        Route("/admin/password/reset/{token}", reset_page, methods=["GET"]),
        Route("/admin/password/reset/{token}", reset_submit, methods=["POST"]),
    ]
