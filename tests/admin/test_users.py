"""Accounts, for admins: add with a password shown once, change a role, disable; never oneself."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from admin.accounts import authenticate
from admin.web import WebContext
from core.model import Role
from storage.database import Database
from storage.users import UserRepository
from tests.admin.conftest import csrf_of


def test_add_change_role_and_disable(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, db: Database
) -> None:
    login(Role.ADMIN)
    token = csrf_of(client.get("/admin/users").text)
    r = client.post("/admin/users", data={"csrf_token": token, "email": "Nadia@Example.org", "role": "editor"})
    assert r.status_code == 201
    import re

    password = re.search(r'<code class="password">([^<]+)</code>', r.text)
    assert password is not None
    assert authenticate(db, "nadia@example.org", password.group(1), now=web.clock.now()) is not None
    assert password.group(1) not in client.get("/admin/users").text  # shown once
    with db.session() as s:
        nadia = UserRepository(s).by_email("nadia@example.org")
    assert nadia is not None and nadia.role is Role.EDITOR
    assert client.post(f"/admin/users/{nadia.id}/role", data={"csrf_token": token, "role": "staff"}).status_code == 200
    assert client.post(f"/admin/users/{nadia.id}/role", data={"csrf_token": token, "role": "boss"}).status_code == 400
    assert client.post(f"/admin/users/{nadia.id}/toggle", data={"csrf_token": token}).status_code == 200
    with db.session() as s:
        nadia = UserRepository(s).by_email("nadia@example.org")
    assert nadia is not None and nadia.role is Role.STAFF and not nadia.active


def test_bad_input_and_self_changes_are_refused(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, db: Database
) -> None:
    login(Role.ADMIN)
    token = csrf_of(client.get("/admin/users").text)
    r = client.post("/admin/users", data={"csrf_token": token, "email": "pas une adresse", "role": "editor"})
    assert r.status_code == 400 and "adresse e-mail invalide" in r.text
    r = client.post("/admin/users", data={"csrf_token": token, "email": "admin@example.org", "role": "editor"})
    assert r.status_code == 400 and "un compte existe déjà" in r.text
    with db.session() as s:
        me = UserRepository(s).by_email("admin@example.org")
        assert len(UserRepository(s).find()) == 1
    assert me is not None
    r = client.post(f"/admin/users/{me.id}/toggle", data={"csrf_token": token})
    assert r.status_code == 409 and "votre propre" in r.text
    assert client.post("/admin/users/999/toggle", data={"csrf_token": token}).status_code == 404
