"""The month's members and staff around what members propose and what closes soon: a member proposes an event on
the public form and confirms it from the email; the editor takes it through triage like any item; staff send each
« Dernier rappel » the daily job drafted, once the dashboard shows it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import escape
from starlette.testclient import TestClient

from core.model import IssueKind, IssueStatus, Item
from digest.desk import IssueDesk
from relais.sending import send_due
from relais.wiring import Services, digest_service
from storage.items import ItemRepository
from tests.scenario.month import BASE, Editor
from tests.scenario.simulation import Mailbox

MEMBER = "contact@terre-solidaire.example"
EVENT = {
    "kind": "event",
    "title": "Festival des Solidarités à Villeurbanne",
    "body": "Une soirée de **rencontres** entre associations et habitants.",
    "link": "https://terre-solidaire.example/festival",
    "starts_at": "2026-04-10T18:00",
    "ends_at": "2026-04-10T22:00",
    "place": "Villeurbanne",
    "organisation": "Terre Solidaire",
    "email": MEMBER,
    "territories": ["69"],
}


@dataclass
class Member:
    """A member of the network on the public pages, reading their mail at the relay."""

    client: TestClient
    mailbox: Mailbox

    def propose_event(self) -> None:
        r = self.client.post("/propose", data=EVENT)
        assert r.status_code == 200 and "Vérifiez votre messagerie" in r.text, r.text[-500:]
        link = self.mailbox.link(MEMBER, rf"{re.escape(BASE)}/propose/confirm/[\w.\-]+")
        path = link.removeprefix(BASE)
        assert self.client.get(path).status_code == 200
        done = self.client.post(path)
        assert done.status_code == 200 and "Proposition confirmée" in done.text


def triage_the_proposal(editor: Editor) -> Item:
    """The editor finds it in triage from « Proposition d'un membre — Terre Solidaire », declines the suggested tags
    as for any item, and approves it: the member is told."""
    page = editor.page("/admin/items")
    assert (
        str(escape(EVENT["title"])) in page.text
        and str(escape("Proposition d'un membre — Terre Solidaire")) in page.text
    )
    with editor.db.session() as s:
        (item,) = [i for i in ItemRepository(s).find() if i.title == EVENT["title"]]
    assert item.id is not None and item.tags == ["69"]
    declined = [t.tag for t in item.suggested_tags]
    if declined:
        editor.post(f"/admin/items/{item.id}/tags", {"refuse": declined, "back": "/admin/items"})
    editor.post(f"/admin/items/{item.id}/approve", {"back": "/admin/items"})
    return item


@dataclass
class Staff:
    """Staff read the dashboard each morning and send the last-call emailings waiting there."""

    svc: Services
    editor: Editor
    sent: list[int] = field(default_factory=list)

    def send_last_calls(self) -> None:
        waiting = IssueDesk(self.svc.db, self.svc.clock, self.svc.settings.network).waiting_last_calls()
        if not waiting:
            return
        page = self.editor.page("/admin/")
        assert "Derniers rappels à relire" in page.text
        digest = digest_service(self.svc)
        for issue in waiting:
            assert issue.id is not None and issue.kind == IssueKind.EMAILING and issue.status == IssueStatus.DRAFT
            assert issue.subject.startswith("Dernier rappel")
            assert f'href="/admin/issues/{issue.id}"' in page.text
            digest.approve(issue.id, by="staff@resacoop.example")
            reports = send_due(self.svc)
            assert issue.id in [r.issue_id for r in reports], reports
            self.sent.append(issue.id)
