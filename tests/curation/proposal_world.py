"""A proposal service over the test database, the project's taxonomy, a frozen clock and a fake system mailer."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from core.clock import FrozenClock
from core.model import Subscriber
from core.settings import Settings, load_settings
from curation.proposals import ProposalService
from relais.proposals import build_proposals
from relais.wiring import Services
from storage.database import Database

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://lettre.example.org"


@dataclass
class Sent:
    kind: str
    email: str
    links: dict[str, str]


@dataclass
class FakeMailer:
    """The system mail path's public interface (``send(kind, subscriber, links)``), keeping what it was given."""

    sent: list[Sent] = field(default_factory=list)

    def send(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
        self.sent.append(Sent(kind, subscriber.email, dict(links)))

    def last(self, kind: str) -> Sent:
        return [s for s in self.sent if s.kind == kind][-1]

    def kinds(self) -> list[str]:
        return [s.kind for s in self.sent]


def settings_for(tmp: Path) -> Settings:
    s = load_settings(ROOT / "config.toml", environ={})
    s.network.base_url = BASE
    s.web.secret_key = "test-secret-key-" + "x" * 32
    s.proposals.images_dir = str(tmp / "proposals")
    return s


def service(db: Database, clock: FrozenClock, settings: Settings, mailer: Any) -> ProposalService:
    return build_proposals(Services(settings=settings, db=db, clock=clock), mailer)


def form(**changes: Any) -> dict[str, Any]:
    """A valid event proposal, as a member's site would post it (times in the network's zone)."""
    values = {
        "kind": "event",
        "title": "Rencontre régionale de l'éducation à la citoyenneté",
        "body": "Une journée **d'échanges** entre associations.\n\nInscriptions sur https://asso.example.org/inscription",
        "link": "https://asso.example.org/rencontre",
        "starts_at": "2026-11-20T09:30",
        "ends_at": "2026-11-20T17:00",
        "place": "Lyon",
        "organisation": "Association Terre Solidaire",
        "email": "Contact@Asso.example.org",
        "image_alt": "",
        "website": "",
    }
    values.update(changes)
    return values


def jpeg_with_exif(size: tuple[int, int] = (800, 600)) -> bytes:
    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam Maker"  # Make
    exif[0x0131] = "Tracking Software 9"  # Software
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return out.getvalue()
