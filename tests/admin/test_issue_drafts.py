"""Safety and comfort on the issue pages: « Annuler l'envoi » asks first, a draft can be duplicated or deleted
(after a confirmation), and an emailing's items are picked from a searchable list instead of typed numbers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from admin.web import WebContext
from core.clock import FrozenClock
from core.model import IssueKind, IssueStatus, Role
from relais.web import build_web_context
from relais.web_sending import BackgroundSending
from storage.database import Database
from storage.issues import IssueRepository
from tests.admin.conftest import csrf_of
from tests.admin.issue_world import add_item, add_subscribers, approved_calls, settings

Login = Callable[[Role], TestClient]


@pytest.fixture
def web(db: Database, clock: FrozenClock, tmp_path: Path, seam: BackgroundSending) -> WebContext:
    return build_web_context(settings(tmp_path), db, clock, secret_key="t", sending=seam)


def newsletter(staff: TestClient) -> tuple[int, str]:
    token = csrf_of(staff.get("/admin/issues/new").text)
    r = staff.post("/admin/issues", data={"csrf_token": token, "kind": "newsletter", "editorial": "Édito"},
                   follow_redirects=False)  # fmt: skip
    return int(r.headers["location"].rsplit("/", 1)[1]), token


def status(db: Database, issue_id: int) -> IssueStatus:
    with db.session() as s:
        return IssueRepository(s).get(issue_id).status


def test_cancelling_asks_first_and_says_what_it_does(login: Login, db: Database, clock: FrozenClock) -> None:
    approved_calls(db, clock)
    add_subscribers(db, 2)
    staff = login(Role.STAFF)
    issue_id, token = newsletter(staff)
    page = staff.get(f"/admin/issues/{issue_id}").text
    assert f'href="/admin/issues/{issue_id}/cancel"' in page and f'action="/admin/issues/{issue_id}/cancel"' not in page
    ask = staff.get(f"/admin/issues/{issue_id}/cancel").text
    assert "Annuler l&#39;envoi de" in ask and 'name="confirm"' in ask and "ne pourra plus être envoyé" in ask
    r = staff.post(f"/admin/issues/{issue_id}/cancel", data={"csrf_token": token})  # one click: nothing happens
    assert r.status_code == 400 and "Cochez la case de confirmation" in r.text
    assert status(db, issue_id) is IssueStatus.DRAFT
    staff.post(f"/admin/issues/{issue_id}/cancel", data={"csrf_token": token, "confirm": "yes"})
    assert status(db, issue_id) is IssueStatus.CANCELLED


def test_a_draft_is_duplicated_then_deleted_after_confirmation(login: Login, db: Database, clock: FrozenClock) -> None:
    approved_calls(db, clock)
    staff = login(Role.STAFF)
    issue_id, token = newsletter(staff)
    r = staff.post(f"/admin/issues/{issue_id}/duplicate", data={"csrf_token": token})
    assert r.status_code == 200 and "Brouillon créé à partir de" in r.text
    copy_id = int(str(r.url).rsplit("/", 1)[1])
    with db.session() as s:
        original, copy = IssueRepository(s).get(issue_id), IssueRepository(s).get(copy_id)
    assert copy.status is IssueStatus.DRAFT and copy.number == (original.number or 0) + 1
    assert copy.editorial == "Édito" and [e.item_id for e in copy.entries] == [e.item_id for e in original.entries]

    assert "Supprimer le brouillon" in staff.get(f"/admin/issues/{copy_id}/delete").text
    r = staff.post(f"/admin/issues/{copy_id}/delete", data={"csrf_token": token})
    assert r.status_code == 400 and "Cochez la case" in r.text
    r = staff.post(f"/admin/issues/{copy_id}/delete", data={"csrf_token": token, "confirm": "yes"})
    assert r.status_code == 200 and "supprimé" in r.text and r.url.path == "/admin/issues"
    with db.session() as s:
        assert [i.id for i in IssueRepository(s).find()] == [issue_id]
        IssueRepository(s).set_status(issue_id, IssueStatus.SENT)
    assert staff.get(f"/admin/issues/{issue_id}/delete").status_code == 400  # a sent issue stays
    r = staff.post(f"/admin/issues/{issue_id}/delete", data={"csrf_token": token, "confirm": "yes"})
    assert r.status_code == 400 and status(db, issue_id) is IssueStatus.SENT


def test_editors_cannot_duplicate_or_delete(login: Login, db: Database, clock: FrozenClock) -> None:
    approved_calls(db, clock)
    staff = login(Role.STAFF)
    issue_id, token = newsletter(staff)
    staff.post("/admin/logout", data={"csrf_token": token})
    editor = login(Role.EDITOR)
    token = csrf_of(editor.get("/admin/issues").text)
    assert editor.post(f"/admin/issues/{issue_id}/duplicate", data={"csrf_token": token}).status_code == 403
    assert editor.post(f"/admin/issues/{issue_id}/delete", data={"csrf_token": token, "confirm": "yes"}
                       ).status_code == 403  # fmt: skip


def test_emailing_items_are_picked_from_a_search(login: Login, db: Database, clock: FrozenClock) -> None:
    ecsi, eau, micro = approved_calls(db, clock)
    add_item(db, clock, "Formation à l'Éducation au développement", deadline=None)
    staff = login(Role.STAFF)
    page = staff.get("/admin/issues/new").text
    assert re.findall(r'name="item_ids" value="(\d+)"', page)  # a list to tick, not numbers to type
    token = csrf_of(page)
    form = {"csrf_token": token, "kind": "emailing", "subject": "Deux appels"}
    found = staff.post("/admin/issues", data={**form, "action": "search", "q": "EDUCATION", "item_ids": [str(eau)]})
    offered = [int(i) for i in re.findall(r'name="item_ids" value="(\d+)"', found.text)]
    assert offered[0] == eau and ecsi not in offered and micro not in offered  # « Éducation » found without accents
    assert len(offered) == 2 and re.search(rf'value="{eau}" checked', found.text) and "Deux appels" in found.text
    r = staff.post("/admin/issues", data={**form, "item_ids": [str(eau), str(offered[1])]})
    assert r.status_code == 200 and "Brouillon créé" in r.text
    with db.session() as s:
        [emailing] = IssueRepository(s).find(kind=IssueKind.EMAILING)
    assert [e.item_id for e in emailing.entries] == [eau, offered[1]]
