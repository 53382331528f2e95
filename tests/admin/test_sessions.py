"""Sessions end when they should: logout and a password change end every session of the account (a copied
cookie replayed afterwards is worthless), and an unused session ends after ``[web] session_idle_minutes``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from admin.accounts import add_user, set_password
from admin.app import create_app
from admin.web import WebContext
from core.clock import FrozenClock
from core.model import Role
from storage.database import Database
from storage.users import UserRepository
from tests.admin.conftest import PASSWORD, csrf_of

EMAIL = "editrice@example.org"
NEW_PASSWORD = "une toute nouvelle phrase"


def new_client(web: WebContext) -> Iterator[TestClient]:
    with TestClient(create_app(web), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def laptop(web: WebContext) -> Iterator[TestClient]:
    yield from new_client(web)


@pytest.fixture
def phone(web: WebContext) -> Iterator[TestClient]:
    yield from new_client(web)


@pytest.fixture
def account(web: WebContext, db: Database) -> None:
    add_user(db, EMAIL, Role.EDITOR, PASSWORD, now=web.clock.now())


def log_in(c: TestClient, email: str = EMAIL, password: str = PASSWORD) -> None:
    token = csrf_of(c.get("/admin/login").text)
    r = c.post("/admin/login", data={"email": email, "password": password, "csrf_token": token},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text


def logged_in(c: TestClient) -> bool:
    r = c.get("/admin/", follow_redirects=False)
    assert r.status_code in (200, 303)
    return bool(r.status_code == 200)


def log_out(c: TestClient) -> str:
    token = csrf_of(c.get("/admin/").text)
    r = c.post("/admin/logout", data={"csrf_token": token})
    assert r.status_code == 200 and r.url.path == "/admin/login"
    return str(r.text)


@pytest.mark.usefixtures("account")
def test_a_session_cookie_replayed_after_logout_leads_to_the_login_page(laptop: TestClient) -> None:
    log_in(laptop)
    saved, token = laptop.cookies["relais_session"], csrf_of(laptop.get("/admin/").text)
    page = log_out(laptop)
    laptop.cookies.set("relais_session", saved)  # the attacker's copy, taken before the logout
    r = laptop.get("/admin/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/login")
    laptop.cookies.set("relais_session", saved)
    r = laptop.post("/admin/items/bulk", data={"csrf_token": token, "action": "approve"}, follow_redirects=False)
    assert r.status_code == 401  # nor can it act (its CSRF token was valid for that session)
    assert "toutes les sessions de ce compte ont pris fin" in page  # and the logout said so


@pytest.mark.usefixtures("account")
def test_logout_ends_every_session_of_the_account(laptop: TestClient, phone: TestClient) -> None:
    log_in(laptop)
    log_in(phone)
    log_out(laptop)
    assert not logged_in(phone)
    log_in(phone)  # logging in again starts a fresh session
    assert logged_in(phone)


@pytest.mark.usefixtures("account")
def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(
    laptop: TestClient, phone: TestClient, web: WebContext
) -> None:
    log_in(laptop)
    log_in(phone)
    page = laptop.get("/admin/password")
    token = csrf_of(page.text)

    def change(current: str, new: str, confirm: str | None = None) -> tuple[int, str]:
        r = laptop.post("/admin/password", data={"csrf_token": token, "current": current, "password": new,
                                                 "confirm": new if confirm is None else confirm})  # fmt: skip
        return r.status_code, r.text

    code, text = change("pas le bon mot de passe", NEW_PASSWORD)
    assert code == 400 and "Le mot de passe actuel ne correspond pas" in text
    code, text = change(PASSWORD, "trop court")
    assert code == 400 and "au moins 12 caractères" in text
    code, text = change(PASSWORD, "motdepasse123")
    assert code == 400 and "trop courant" in text
    code, text = change(PASSWORD, NEW_PASSWORD, "une autre phrase encore")
    assert code == 400 and "diffèrent" in text
    assert logged_in(phone)  # nothing changed yet
    code, text = change(PASSWORD, NEW_PASSWORD)
    assert code == 200 and "vos autres sessions ont pris fin" in text
    assert logged_in(laptop)
    assert not logged_in(phone)
    log_in(phone, password=NEW_PASSWORD)


@pytest.mark.usefixtures("account")
def test_a_password_reset_by_an_admin_or_the_cli_ends_every_session(
    laptop: TestClient, phone: TestClient, web: WebContext, db: Database
) -> None:
    add_user(db, "admin@example.org", Role.ADMIN, PASSWORD, now=web.clock.now())
    log_in(laptop)
    log_in(phone, "admin@example.org")
    with db.session() as s:
        editor = UserRepository(s).by_email(EMAIL)
    assert editor is not None
    token = csrf_of(phone.get("/admin/users").text)
    r = phone.post(f"/admin/users/{editor.id}/password", data={"csrf_token": token})
    assert r.status_code == 200 and "toutes les sessions de ce compte ont pris fin" in r.text
    shown = re.search(r'<code class="password">([^<]+)</code>', r.text)
    assert shown is not None
    assert not logged_in(laptop)
    log_in(laptop, password=shown.group(1))
    assert shown.group(1) not in phone.get("/admin/users").text  # shown once

    set_password(db, EMAIL, NEW_PASSWORD)  # what `relais users passwd` does
    assert not logged_in(laptop)


@pytest.mark.usefixtures("account")
def test_disabling_an_account_ends_its_sessions_for_good(
    laptop: TestClient, phone: TestClient, web: WebContext, db: Database
) -> None:
    add_user(db, "admin@example.org", Role.ADMIN, PASSWORD, now=web.clock.now())
    log_in(laptop)
    log_in(phone, "admin@example.org")
    with db.session() as s:
        editor = UserRepository(s).by_email(EMAIL)
    assert editor is not None
    token = csrf_of(phone.get("/admin/users").text)
    assert phone.post(f"/admin/users/{editor.id}/toggle", data={"csrf_token": token}).status_code == 200
    assert not logged_in(laptop)
    assert phone.post(f"/admin/users/{editor.id}/toggle", data={"csrf_token": token}).status_code == 200
    assert not logged_in(laptop)  # re-enabled: the old session does not come back


@pytest.mark.usefixtures("account")
def test_an_unused_session_ends_after_the_idle_time(laptop: TestClient, web: WebContext, clock: FrozenClock) -> None:
    assert web.settings.web.session_idle_minutes == 120
    log_in(laptop)
    for _ in range(5):  # used every 100 minutes for more than eight hours: still open
        clock.advance(timedelta(minutes=100))
        assert logged_in(laptop)
    clock.advance(timedelta(minutes=121))
    r = laptop.get("/admin/items")
    assert r.url.path == "/admin/login" and "Votre session a pris fin" in r.text


@pytest.mark.usefixtures("account")
def test_the_last_seen_time_is_written_at_most_once_a_minute(laptop: TestClient, clock: FrozenClock) -> None:
    log_in(laptop)
    laptop.get("/admin/")  # shows (and so removes) the welcome message
    clock.advance(timedelta(seconds=59))
    assert "set-cookie" not in laptop.get("/admin/items").headers
    clock.advance(timedelta(seconds=1))
    assert "set-cookie" in laptop.get("/admin/items").headers
