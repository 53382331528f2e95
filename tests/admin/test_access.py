"""Who may reach what: every admin route for anonymous visitors and each role, and CSRF on every form."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from admin.accounts import has_role
from admin.web import WebContext
from core.model import ItemStatus, Role, User
from core.settings import Settings
from storage.database import Database
from storage.items import ItemRepository
from tests.admin.conftest import csrf_of
from tests.seed import TAXONOMY, seed

E, A = Role.EDITOR, Role.ADMIN
ROUTES: list[tuple[str, str, Role]] = [
    ("GET", "/admin/items", E),
    ("GET", "/admin/items/1", E),
    ("POST", "/admin/items/1", E),
    ("POST", "/admin/items/1/approve", E),
    ("POST", "/admin/items/2/reject", E),
    ("POST", "/admin/items/3/archive", E),
    ("POST", "/admin/items/3/restore", E),
    ("POST", "/admin/items/1/tags", E),
    ("POST", "/admin/items/1/pending", E),
    ("POST", "/admin/items/bulk", E),
    ("GET", "/admin/sources", E),
    ("POST", "/admin/sources/collect", E),
    ("POST", "/admin/sources/1/collect", E),
    ("GET", "/admin/sources/new", A),
    ("POST", "/admin/sources/new", A),
    ("GET", "/admin/sources/1", A),
    ("POST", "/admin/sources/1", A),
    ("POST", "/admin/sources/1/toggle", A),
    ("GET", "/admin/sources/discover", A),
    ("POST", "/admin/sources/discover", A),
    ("POST", "/admin/sources/new/proposal", A),
    ("GET", "/admin/sources/1/repair", A),
    ("POST", "/admin/sources/1/proposal", A),
    ("GET", "/admin/users", A),
    ("POST", "/admin/users", A),
    ("POST", "/admin/users/1/role", A),
    ("POST", "/admin/users/1/toggle", A),
]


@pytest.fixture
def web_settings() -> Settings:
    return Settings(taxonomy=TAXONOMY)  # the web context's services read it when they are built


@pytest.fixture
def seeded(web: WebContext, db: Database) -> list[int]:
    web.collect_now = lambda names: None
    web.preview_source = lambda source: []
    return seed(db, web.clock.now())


def test_strangers_are_sent_to_the_login_or_refused(client: TestClient, seeded: list[int]) -> None:
    for method, path, _role in ROUTES:
        r = client.request(method, path, follow_redirects=False)
        if method == "GET":
            assert r.status_code == 303 and r.headers["location"].startswith("/admin/login?next="), path
        else:
            assert r.status_code == 401, path


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_what_it_may_and_gets_403_elsewhere(
    client: TestClient, login: Callable[[Role], TestClient], seeded: list[int], role: Role
) -> None:
    login(role)
    token = csrf_of(client.get("/admin/").text)
    me = User(email="x", role=role, password_hash="")
    for method, path, least in ROUTES:
        data = {"csrf_token": token} if method == "POST" else None
        r = client.request(method, path, data=data, follow_redirects=False)
        if has_role(me, least):
            assert r.status_code not in {401, 403}, (path, r.status_code)
        else:
            assert r.status_code == 403 and "Votre rôle ne permet pas" in r.text, path


def test_every_form_refuses_a_missing_or_forged_csrf_token(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, seeded: list[int], db: Database
) -> None:
    login(Role.ADMIN)
    for method, path, _role in ROUTES:
        if method != "POST":
            continue
        for data in ({"action": "approve", "ids": "1"}, {"csrf_token": "forged", "action": "approve", "ids": "1"}):
            r = client.post(path, data=data, follow_redirects=False)
            assert r.status_code == 403 and "CSRF" in r.text, path
        r = client.post(path, data={"action": "approve"}, headers={"X-CSRF-Token": "forged"})
        assert r.status_code == 403, path
    with db.session() as s:
        repo = ItemRepository(s)
        assert repo.count(status=ItemStatus.NEW) == 6
        assert all(repo.events(i) == [] for i in seeded)
