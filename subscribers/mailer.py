"""System emails (confirmation, welcome, preferences changed, goodbye): the seam and their rendering.

The flows only need :class:`SystemMailer`; how a message travels (SMTP, outbox folder) is delivery's business and
is wired in ``relais.wiring``. Wording lives in ``templates/system/<kind>.mjml.j2`` and ``<kind>.txt.j2``.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Protocol, runtime_checkable

import jinja2
import mjml

from core.errors import MailError
from core.model import Subscriber
from core.settings import NetworkSettings

KINDS = ("confirm", "welcome", "preferences", "goodbye")
SUBJECTS = {
    "confirm": "Confirmez votre inscription à {newsletter}",
    "welcome": "Bienvenue : votre inscription à {newsletter} est confirmée",
    "preferences": "Vos préférences pour {newsletter} ont été enregistrées",
    "goodbye": "Votre désinscription de {newsletter} est enregistrée",
}
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "system"


class SystemMailer(Protocol):
    def send(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
        """Send the system email ``kind`` (one of :data:`KINDS`) with the personal ``links`` it shows."""
        ...


@runtime_checkable
class Rehearsing(Protocol):
    def rehearse(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
        """Do every step of :meth:`SystemMailer.send` but the delivery: the message is made, then dropped."""
        ...


def rehearse(mailer: SystemMailer, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
    """Make the email ``send`` would make and deliver nothing (a sign-up that must stay silent costs what a real
    one costs); a mailer that cannot rehearse does nothing."""
    if isinstance(mailer, Rehearsing):
        mailer.rehearse(kind, subscriber, links)


@dataclass(frozen=True, slots=True)
class SystemEmail:
    to: str
    subject: str
    html: str
    text: str


class SystemEmailRenderer:
    """Renders a system email: Jinja2 over MJML then mjml2html for the HTML, a Jinja2 text twin beside it."""

    def __init__(self, network: NetworkSettings, folder: Path = TEMPLATES) -> None:
        self.network = network
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)),
            autoescape=jinja2.select_autoescape(["mjml.j2", "html"]),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )

    def render(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> SystemEmail:
        if kind not in KINDS:
            raise ValueError(f"unknown system email {kind!r}")
        context = {"network": self.network, "subscriber": subscriber, "links": links}
        source = self.env.get_template(f"{kind}.mjml.j2").render(context)
        html = mjml.mjml2html(source)
        text = self.env.get_template(f"{kind}.txt.j2").render(context)
        subject = SUBJECTS[kind].format(newsletter=self.network.newsletter_name)
        return SystemEmail(to=subscriber.email, subject=subject, html=html, text=text)


Transport = Callable[[EmailMessage], None]


class EmailSystemMailer:
    """A :class:`SystemMailer` that renders the email and hands an ``EmailMessage`` to ``transport``."""

    def __init__(self, renderer: SystemEmailRenderer, transport: Transport) -> None:
        self.renderer = renderer
        self.transport = transport

    def send(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
        self.transport(self.message(kind, subscriber, links))

    def rehearse(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
        self.message(kind, subscriber, links).as_bytes()  # rendered and serialised as if sent, then dropped

    def message(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> EmailMessage:
        email = self.renderer.render(kind, subscriber, links)
        net = self.renderer.network
        msg = EmailMessage()
        msg["From"] = formataddr((net.from_name or net.name, net.from_address))
        msg["To"] = email.to
        msg["Subject"] = email.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=net.from_address.rsplit("@", 1)[-1])
        msg["Auto-Submitted"] = "auto-generated"  # no vacation replies to a confirmation email
        if net.reply_to:
            msg["Reply-To"] = net.reply_to
        msg.set_content(email.text)
        msg.add_alternative(email.html, subtype="html")
        return msg


def smtp_transport(host: str, port: int, *, security: str = "none", username: str = "", password: str = "",
                   timeout: float = 30.0) -> Transport:  # fmt: skip
    """Send each system email over its own SMTP connection (they are few)."""

    def send(msg: EmailMessage) -> None:
        try:
            cls = smtplib.SMTP_SSL if security == "tls" else smtplib.SMTP
            with cls(host, port, timeout=timeout) as smtp:
                if security == "starttls":
                    smtp.starttls()
                if username:
                    smtp.login(username, password)
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"system email to {msg['To']} not sent: {exc}") from exc

    return send


def outbox_transport(folder: Path) -> Transport:
    """Write each system email as a ``.eml`` file (the embedded default)."""

    def send(msg: EmailMessage) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        name = str(msg["Message-ID"]).strip("<>").replace("/", "_")
        (folder / f"system-{name}.eml").write_bytes(msg.as_bytes())

    return send
