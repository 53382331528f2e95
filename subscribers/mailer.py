"""System emails (confirmation, welcome, preferences changed, goodbye): the seam and their rendering.

The flows only need :class:`SystemMailer`; how a message travels (SMTP, outbox folder) is delivery's business and
is wired in ``relais.wiring``. Wording lives in ``templates/system/<kind>.mjml.j2`` and ``<kind>.txt.j2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import jinja2
import mjml

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
