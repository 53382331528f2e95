"""A forgotten password reset by an emailed link: the same answer for any address, a link signed, single use and
valid one hour, the password policy, and every session of the account ended."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from admin.accounts import add_user
from admin.app import create_app
from admin.web import WebContext
from core.clock import FrozenClock
from core.model import Role, Subscriber
from core.settings import Settings
from relais.web import build_web_context
from storage.database import Database
from storage.users import UserRepository
from subscribers.kit import make_kit
from subscribers.mailer import SystemEmailRenderer
from tests.admin.conftest import PASSWORD, csrf_of

Login = Callable[[Role], TestClient]
NEW = "une phrase de passe assez longue"


@dataclass
class Mails:
    """The system mail seam, keeping what it was asked to send."""

    sent: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def send(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
        self.sent.append((kind, subscriber.email, dict(links)))


@pytest.fixture
def mails() -> Mails:
    return Mails()


@pytest.fixture
def web(db: Database, clock: FrozenClock, mails: Mails) -> WebContext:
    s = Settings()
    s.network.base_url = "https://relais.resacoop.example"
    kit = make_kit(db, clock, s, "reset-secret-" + "k" * 32, mails)
    return build_web_context(s, db, clock, secret_key="test-secret", subscribers=kit)


def ask(client: TestClient, email: str) -> str:
    token = csrf_of(client.get("/admin/password/forgot").text)
    r = client.post("/admin/password/forgot", data={"csrf_token": token, "email": email})
    assert r.status_code == 200 and r.url.path == "/admin/login"
    return r.text


def reset_path(mails: Mails) -> str:
    kind, _to, links = mails.sent[-1]
    assert kind == "password_reset" and links["reset"].startswith("https://relais.resacoop.example/admin/password/")
    return links["reset"].removeprefix("https://relais.resacoop.example")


def choose(client: TestClient, path: str, password: str, again: str | None = None) -> object:
    token = csrf_of(client.get(path).text)
    return client.post(path, data={"csrf_token": token, "password": password, "confirm": again or password})


def logs_in(web: WebContext, email: str, password: str) -> bool:
    with TestClient(create_app(web), base_url="http://testserver") as other:
        token = csrf_of(other.get("/admin/login").text)
        r = other.post("/admin/login", data={"email": email, "password": password, "csrf_token": token},
                       follow_redirects=False)  # fmt: skip
        return r.status_code == 303


def test_the_same_answer_whether_the_address_has_an_account_or_not(
    login: Login, client: TestClient, web: WebContext, mails: Mails, db: Database
) -> None:
    add_user(db, "lea@resacoop.fr", Role.STAFF, PASSWORD, now=web.clock.now())
    known = ask(client, "lea@resacoop.fr")
    unknown = ask(client, "personne@resacoop.fr")
    strip = lambda html: re.sub(r'value="[^"]+"|content="[^"]+"', "", html)  # noqa: E731 (CSRF tokens differ)
    assert strip(known) == strip(unknown) and "Si un compte actif existe pour cette adresse" in known
    assert [(k, to) for k, to, _ in mails.sent] == [("password_reset", "lea@resacoop.fr")]
    assert "Mot de passe oublié ?" in client.get("/admin/login").text


def test_a_link_sets_a_new_password_once_and_ends_every_session(
    login: Login, client: TestClient, web: WebContext, mails: Mails
) -> None:
    staff = login(Role.STAFF)  # logged in elsewhere: this session must end
    assert staff.get("/admin/issues", follow_redirects=False).status_code == 200
    with TestClient(create_app(web), base_url="http://testserver") as stranger:
        ask(stranger, "staff@example.org")
        path = reset_path(mails)
        form = stranger.get(path).text
        assert "Choisir un nouveau mot de passe" in form and 'name="password"' in form
        weak = choose(stranger, path, "motdepasse")
        assert weak.status_code == 400 and "au moins 12 caractères" in weak.text  # type: ignore[attr-defined]
        differ = choose(stranger, path, NEW, NEW + "!")
        assert differ.status_code == 400 and "diffèrent" in differ.text  # type: ignore[attr-defined]
        done = choose(stranger, path, NEW)
        assert done.status_code == 200 and "Mot de passe changé" in done.text  # type: ignore[attr-defined]
        again = stranger.get(path)
        assert again.status_code == 400 and "n&#39;est plus valable" in again.text  # single use
        token = csrf_of(stranger.get("/admin/login").text)
        assert stranger.post(path, data={"csrf_token": token, "password": NEW + "x", "confirm": NEW + "x"}
                             ).status_code == 400  # fmt: skip
    assert staff.get("/admin/issues", follow_redirects=False).status_code == 303  # the old session ended
    assert not logs_in(web, "staff@example.org", PASSWORD) and logs_in(web, "staff@example.org", NEW)


def test_a_link_lasts_one_hour_and_cannot_be_forged(client: TestClient, web: WebContext, mails: Mails,
                                                    clock: FrozenClock, db: Database) -> None:  # fmt: skip
    add_user(db, "lea@resacoop.fr", Role.EDITOR, PASSWORD, now=clock.now())
    ask(client, "lea@resacoop.fr")
    path = reset_path(mails)
    clock.advance(timedelta(minutes=59))
    assert client.get(path).status_code == 200
    clock.advance(timedelta(minutes=2))
    assert client.get(path).status_code == 400
    assert client.get(path[:-3] + "abc").status_code == 400
    assert client.get("/admin/password/reset/pas-un-jeton").status_code == 400
    assert logs_in(web, "lea@resacoop.fr", PASSWORD)  # nothing changed


def test_a_disabled_account_gets_no_link_and_a_logout_voids_one(client: TestClient, web: WebContext,
                                                                mails: Mails, db: Database) -> None:  # fmt: skip
    user = add_user(db, "lea@resacoop.fr", Role.EDITOR, PASSWORD, now=web.clock.now())
    ask(client, "lea@resacoop.fr")
    path = reset_path(mails)
    with db.session() as s:
        UserRepository(s).end_sessions(user.id or 0)  # « se déconnecter » everywhere
    assert client.get(path).status_code == 400
    with db.session() as s:
        repo = UserRepository(s)
        found = repo.get(user.id or 0)
        found.active = False
        repo.save(found)
    mails.sent.clear()
    ask(client, "lea@resacoop.fr")
    assert mails.sent == []


def test_the_reset_email_is_rendered_by_the_system_mail_path(tmp_path: Path) -> None:
    email = SystemEmailRenderer(Settings().network).render(
        "password_reset",
        Subscriber(email="lea@resacoop.fr"),
        {"reset": "https://relais.example/admin/password/reset/t"},
    )
    assert email.to == "lea@resacoop.fr" and "nouveau mot de passe" in email.subject
    assert "https://relais.example/admin/password/reset/t" in email.html and "une seule fois" in email.text


def test_one_email_per_address_in_five_minutes(client: TestClient, web: WebContext, mails: Mails,
                                               clock: FrozenClock, db: Database) -> None:  # fmt: skip
    add_user(db, "lea@resacoop.fr", Role.EDITOR, PASSWORD, now=clock.now())
    ask(client, "lea@resacoop.fr")
    second = ask(client, "Lea@Resacoop.fr")
    assert len(mails.sent) == 1 and "Si un compte actif existe" in second  # the same answer, no second email
    clock.advance(timedelta(minutes=6))
    ask(client, "lea@resacoop.fr")
    assert len(mails.sent) == 2
