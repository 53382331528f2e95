"""System emails through the one send path: subscribers renders them, delivery composes, signs and sends them.

    send(kind, subscriber, links)
      = render    subscribers' renderer (templates/system/<kind>.mjml.j2 and .txt.j2)
      | compose   delivery.compose.compose_system: the same sender, encoding and line rules as the bulk path
      | sign      DKIM when ``[mail.dkim]`` is on, with the bulk path's signer
      | send      the configured mailer (outbox, SMTP pool, memory), as bulk messages are
      | record    one log record per email (kind, subscriber, verdict); a refusal raises MailError

:class:`SystemEmails` implements ``subscribers.mailer.SystemMailer`` (and its ``rehearse``); the composition root
(``relais.wiring.build_subscribers``) builds it over the same mailer factory and signer as the send loop.
"""

from __future__ import annotations

import logging
import secrets
from typing import Protocol

from core.clock import Clock
from core.errors import MailError
from core.message import SystemEmail
from core.model import Subscriber
from delivery.compose import Sender, compose_system
from delivery.dkim import Signer
from delivery.mailers.base import Mailer, SendResult, Verdict

log = logging.getLogger("relais.delivery")


class SystemRenderer(Protocol):
    def render(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> SystemEmail: ...


class SystemEmails:
    def __init__(
        self, renderer: SystemRenderer, mailer: Mailer, sender: Sender, clock: Clock, signer: Signer | None = None
    ) -> None:
        self.renderer, self.mailer, self.sender, self.clock, self.signer = renderer, mailer, sender, clock, signer

    def message(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> bytes:
        """The email as it leaves: rendered, composed, signed."""
        email = self.renderer.render(kind, subscriber, links)
        mid = f"<relais.system.{kind}.{secrets.token_hex(8)}@{self.sender.domain}>"
        data = compose_system(email, self.sender, message_id=mid, date=self.clock.now())
        return self.signer.sign(data) if self.signer else data

    def send(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
        data = self.message(kind, subscriber, links)
        try:
            result = self.mailer.send(self.sender.from_address, subscriber.email, data)
        finally:
            self.mailer.close()  # system emails are few and far between: no SMTP connection is kept idle
        _record(kind, subscriber, result)
        if result.verdict is not Verdict.ACCEPTED:
            raise MailError(
                f"system email {kind!r} not sent ({result.verdict}): {result.code} {result.reply}",
                code="system_mail_refused",
                kind=kind,
                verdict=result.verdict,
                reply=f"{result.code} {result.reply}",
            )

    def rehearse(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
        """Every step of :meth:`send` but the mailer: the message is made (and signed), then dropped."""
        self.message(kind, subscriber, links)


def _record(kind: str, subscriber: Subscriber, result: SendResult) -> None:
    extra = {"kind": kind, "subscriber_id": subscriber.id, "verdict": str(result.verdict), "smtp_code": result.code}
    if result.verdict is Verdict.ACCEPTED:
        log.info("delivery.system_email", extra=extra)
    else:
        log.warning("delivery.system_email_failed", extra={**extra, "reply": result.reply[:200]})
