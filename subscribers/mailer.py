"""System emails (confirmation, welcome, preferences changed, goodbye, one's links asked again): the seam and
their rendering.

The flows only need :class:`SystemMailer`. Delivery implements it (``delivery.system.SystemEmails``): the email
rendered here is composed, signed and handed to the configured mailer like every other message, wired in
``relais.wiring``. Wording lives in ``templates/system/<kind>.mjml.j2`` and ``<kind>.txt.j2``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import jinja2
import mjml

from core.message import SystemEmail
from core.model import Subscriber
from core.settings import NetworkSettings

KINDS = (
    "confirm", "welcome", "preferences", "goodbye", "links", "password_reset",
    "proposal_confirm", "proposal_published", "proposal_declined",
)  # fmt: skip
SUBJECTS = {
    "confirm": "Confirmez votre inscription à {newsletter}",
    "welcome": "Bienvenue : votre inscription à {newsletter} est confirmée",
    "preferences": "Vos préférences pour {newsletter} ont été enregistrées",
    "goodbye": "Votre désinscription de {newsletter} est enregistrée",
    "links": "Vos liens pour gérer votre abonnement à {newsletter}",
    # Not a subscriber's: a staff account's reset link, sent by the same path (the addressee stands in as one).
    "password_reset": "{network} : choisir un nouveau mot de passe",
    # A member's proposal (curation.proposals): its contact stands in as a subscriber too.
    "proposal_confirm": "{network} : confirmez votre proposition",
    "proposal_published": "{network} : votre proposition est publiée",
    "proposal_declined": "{network} : votre proposition n'a pas été retenue",
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
        subject = SUBJECTS[kind].format(newsletter=self.network.newsletter_name, network=self.network.name)
        return SystemEmail(to=subscriber.email, subject=subject, html=html, text=text)
