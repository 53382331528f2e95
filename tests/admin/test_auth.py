"""Logging in and out, the role guard, CSRF, throttling and security headers."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from admin.accounts import add_user
from admin.web import WebContext
from core.model import Role
from storage.database import Database
from tests.admin.conftest import PASSWORD, csrf_of


def test_admin_pages_send_strangers_to_the_login(client: TestClient) -> None:
    r = client.get("/admin/", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/admin/login?next=/admin/"


def test_login_then_home_then_logout(client: TestClient, login: Callable[[Role], TestClient]) -> None:
    login(Role.EDITOR)
    home = client.get("/admin/")
    assert home.status_code == 200
    assert "éléments à trier" in home.text
    assert "Bienvenue, editor@example.org." in home.text
    r = client.post("/admin/logout", data={"csrf_token": csrf_of(home.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/admin/", follow_redirects=False).status_code == 303


def test_session_cookie_is_httponly_and_samesite(client: TestClient, web: WebContext, db: Database) -> None:
    add_user(db, "a@example.org", Role.EDITOR, PASSWORD, now=web.clock.now())
    token = csrf_of(client.get("/admin/login").text)
    r = client.post("/admin/login", data={"email": "a@example.org", "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)  # fmt: skip
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_wrong_password_is_refused_without_saying_which_part(client: TestClient, web: WebContext, db: Database) -> None:
    add_user(db, "a@example.org", Role.EDITOR, PASSWORD, now=web.clock.now())
    token = csrf_of(client.get("/admin/login").text)
    for email in ("a@example.org", "nobody@example.org"):
        r = client.post("/admin/login", data={"email": email, "password": "nope", "csrf_token": token})
        assert r.status_code == 400
        assert "Adresse ou mot de passe incorrect" in r.text


def test_login_is_throttled_per_address(client: TestClient) -> None:
    token = csrf_of(client.get("/admin/login").text)
    codes = [
        client.post(
            "/admin/login", data={"email": f"x{i}@example.org", "password": "x", "csrf_token": token}
        ).status_code
        for i in range(25)
    ]
    assert codes[:20] == [400] * 20  # 20 failures from one address are free…
    assert set(codes[20:]) == {429}  # …then each further one waits (admin/throttle.py)


def test_forms_without_a_valid_csrf_token_are_refused(client: TestClient, web: WebContext, db: Database) -> None:
    add_user(db, "a@example.org", Role.EDITOR, PASSWORD, now=web.clock.now())
    client.get("/admin/login")
    for data in ({"email": "a@example.org", "password": PASSWORD},
                 {"email": "a@example.org", "password": PASSWORD, "csrf_token": "forged"}):  # fmt: skip
        r = client.post("/admin/login", data=data, follow_redirects=False)
        assert r.status_code == 403
        assert "CSRF" in r.text


def test_security_headers(client: TestClient) -> None:
    r = client.get("/admin/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_open_redirect_after_login_is_refused(client: TestClient, web: WebContext, db: Database) -> None:
    add_user(db, "a@example.org", Role.EDITOR, PASSWORD, now=web.clock.now())
    token = csrf_of(client.get("/admin/login").text)
    r = client.post("/admin/login", data={"email": "a@example.org", "password": PASSWORD, "csrf_token": token,
                                          "next": "https://evil.example/"}, follow_redirects=False)  # fmt: skip
    assert r.headers["location"] == "/admin/"
