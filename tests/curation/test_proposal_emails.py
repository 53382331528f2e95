"""The proposal emails take the one system mail path: rendered by subscribers, composed and sent by delivery to the
configured mailer (here the outbox, as ``relais up`` wires it)."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from core.clock import FrozenClock
from core.model import ItemStatus, Subscriber
from curation.actions import Curator
from curation.proposals import Submission
from curation.validate import Taxonomy
from relais.proposals import build_proposals
from relais.wiring import Services
from storage.database import Database
from subscribers.mailer import SystemEmailRenderer
from tests.curation.proposal_world import BASE, form, settings_for


def messages(folder: Path) -> list[email.message.EmailMessage]:
    out = []
    for path in sorted(folder.rglob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(msg, email.message.EmailMessage)
        out.append(msg)
    return out


def body(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_confirmation_and_outcome_emails_reach_the_outbox(db: Database, clock: FrozenClock, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    settings.mail.outbox_dir = str(tmp_path / "outbox")
    settings.demo.enabled = False
    proposals = build_proposals(Services(settings=settings, db=db, clock=clock))  # the wired system mailer
    proposals.submit(Submission(form(), {"themes": ["education"]}), "203.0.113.7")
    (confirm,) = messages(tmp_path / "outbox")
    assert confirm["To"] == "contact@asso.example.org"
    assert "confirmez votre proposition" in str(confirm["Subject"])
    link = next(line.strip() for line in body(confirm).splitlines() if "/propose/confirm/" in line)
    assert link.startswith(f"{BASE}/propose/confirm/")
    item = proposals.confirm(link.rsplit("/", 1)[1])

    Curator(db, clock, Taxonomy.from_settings(settings.taxonomy)).set_status(
        [item.id or 0], ItemStatus.REJECTED, actor="ed@example.org", reason="Déjà relayé le mois dernier"
    )
    assert proposals.notify() == 1
    declined = messages(tmp_path / "outbox")[-1]
    assert "n'a pas été retenue" in str(declined["Subject"])
    assert "Déjà relayé le mois dernier" in body(declined) and "Rencontre régionale" in body(declined)


def test_every_proposal_email_renders_in_french_with_its_links(tmp_path: Path) -> None:
    renderer = SystemEmailRenderer(settings_for(tmp_path).network)
    about = {"title": "Titre <b>à</b> échapper", "organisation": "Asso", "site": f"{BASE}/"}
    cases = {
        "proposal_confirm": {**about, "confirm": f"{BASE}/propose/confirm/abc"},
        "proposal_published": about,
        "proposal_declined": {**about, "reason": "Hors sujet"},
    }
    for kind, links in cases.items():
        mail = renderer.render(kind, Subscriber(email="a@asso.example.org"), links)
        assert "Titre &lt;b&gt;à&lt;/b&gt; échapper" in mail.html and "<b>à</b>" not in mail.html
        assert "Bonjour" in mail.text and "proposition" in mail.subject
    assert (
        f"{BASE}/propose/confirm/abc"
        in renderer.render("proposal_confirm", Subscriber(email="a@x.org"), cases["proposal_confirm"]).html
    )
