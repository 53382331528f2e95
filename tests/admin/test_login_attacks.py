"""An attacker at the login form: no lock a stranger can put on someone's account, the same work whatever the
case (unknown, disabled, wrong password), argon2 off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Literal

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

import subscribers.accounts
from admin.accounts import add_user
from admin.app import create_app
from admin.throttle import ACCOUNT
from admin.web import WebContext
from core.clock import FrozenClock
from core.model import Role
from storage.database import Database
from tests.admin.conftest import PASSWORD, csrf_of

OWNER = "owner@example.org"


class CountingHasher(PasswordHasher):
    """argon2 at its lowest cost, noting for each verification whether it ran on the event loop's thread."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified_on_loop: list[bool] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        self.verified_on_loop.append(on_loop)
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(subscribers.accounts, "HASHER", counting)
    return counting


def at(web: WebContext, address: str) -> Iterator[TestClient]:
    with TestClient(create_app(web), base_url="http://testserver", client=(address, 40000)) as c:
        yield c


@pytest.fixture
def stranger(web: WebContext) -> Iterator[TestClient]:
    yield from at(web, "203.0.113.66")


@pytest.fixture
def owner(web: WebContext) -> Iterator[TestClient]:
    yield from at(web, "198.51.100.7")


def attempt(c: TestClient, email: str, password: str) -> tuple[int, str]:
    token = csrf_of(c.get("/admin/login").text)
    r = c.post("/admin/login", data={"email": email, "password": password, "csrf_token": token},
               follow_redirects=False)  # fmt: skip
    return r.status_code, r.text


def test_a_stranger_hammering_an_account_does_not_keep_its_owner_out(
    stranger: TestClient, owner: TestClient, web: WebContext, db: Database
) -> None:
    add_user(db, OWNER, Role.ADMIN, PASSWORD, now=web.clock.now())
    codes = [attempt(stranger, OWNER, f"guess number {n}")[0] for n in range(50)]
    assert codes[:5] == [400] * 5 and set(codes[5:]) == {429}  # the stranger is slowed down…
    assert attempt(owner, OWNER, PASSWORD)[0] == 303  # …the owner, from their own address, logs in at once


def test_a_stranger_who_waits_as_told_for_a_day_never_keeps_the_owner_out_longer_than_the_account_cap(
    stranger: TestClient, owner: TestClient, web: WebContext, clock: FrozenClock, db: Database
) -> None:
    add_user(db, OWNER, Role.ADMIN, PASSWORD, now=web.clock.now())
    checked = 0
    start = clock.now()
    for _ in range(2_000):  # bounded: the old lock answered 400 without a wait to obey
        if clock.now() - start >= timedelta(days=1):
            break
        token = csrf_of(stranger.get("/admin/login").text)
        r = stranger.post("/admin/login", data={"email": OWNER, "password": "a patient guess", "csrf_token": token})
        checked += r.status_code == 400
        clock.advance(timedelta(seconds=int(r.headers.get("retry-after", "1"))))  # as told
    assert clock.now() - start >= timedelta(days=1)
    assert checked < 24 * 6  # one guess every ten minutes or so, at best
    code, text = attempt(owner, OWNER, PASSWORD)
    if code == 429:  # at worst the account's own (soft) delay, capped
        clock.advance(ACCOUNT.cap)
        code, text = attempt(owner, OWNER, PASSWORD)
    assert code == 303, text


def test_a_throttled_attempt_says_how_long_to_wait_and_checks_no_password(
    stranger: TestClient, web: WebContext, clock: FrozenClock, hasher: CountingHasher, db: Database
) -> None:
    add_user(db, OWNER, Role.ADMIN, PASSWORD, now=web.clock.now())
    for n in range(5):
        assert attempt(stranger, OWNER, f"guess {n}")[0] == 400
    assert len(hasher.verified_on_loop) == 5
    code, text = attempt(stranger, OWNER, PASSWORD)  # even the right password: not checked while throttled
    assert code == 429
    assert "Trop de tentatives, réessayez dans 1 seconde." in text
    assert len(hasher.verified_on_loop) == 5
    clock.advance(timedelta(seconds=1))
    assert attempt(stranger, OWNER, "guess 6")[0] == 400  # the next delay doubles…
    code, text = attempt(stranger, OWNER, "guess 7")
    assert code == 429 and "réessayez dans 2 secondes" in text
    clock.advance(timedelta(seconds=2))
    assert attempt(stranger, OWNER, PASSWORD)[0] == 303  # …and the right password works once the wait is over


def test_unknown_disabled_and_wrong_password_each_cost_exactly_one_argon2_verification_off_the_event_loop(
    client: TestClient, web: WebContext, hasher: CountingHasher, db: Database
) -> None:
    add_user(db, OWNER, Role.EDITOR, PASSWORD, now=web.clock.now())
    add_user(db, "gone@example.org", Role.EDITOR, PASSWORD, now=web.clock.now())
    from storage.users import UserRepository

    with db.session() as s:
        repo = UserRepository(s)
        gone = repo.by_email("gone@example.org")
        assert gone is not None
        gone.active = False
        repo.save(gone)
    cases = {"unknown": ("nobody@example.org", PASSWORD), "disabled": ("gone@example.org", PASSWORD),
             "wrong password": (OWNER, "not the password")}  # fmt: skip
    for case, (email, password) in cases.items():
        hasher.verified_on_loop.clear()
        code, text = attempt(client, email, password)
        assert code == 400 and "Adresse ou mot de passe incorrect" in text, case
        assert hasher.verified_on_loop == [False], case  # one verification, in a worker thread
    hasher.verified_on_loop.clear()
    assert attempt(client, OWNER, PASSWORD)[0] == 303
    assert hasher.verified_on_loop == [False]


def test_no_account_is_locked_by_failures(
    client: TestClient, web: WebContext, clock: FrozenClock, db: Database
) -> None:
    """The old lock: five failures in a row locked the account for 15 minutes, whoever made them."""
    add_user(db, OWNER, Role.EDITOR, PASSWORD, now=web.clock.now())
    for n in range(5):
        assert attempt(client, OWNER, f"guess {n}")[0] == 400
    clock.advance(timedelta(seconds=1))  # the pair's first delay, not fifteen minutes
    assert attempt(client, OWNER, PASSWORD)[0] == 303


def test_a_forged_x_forwarded_for_does_not_dodge_the_throttle(
    stranger: TestClient, web: WebContext, db: Database
) -> None:
    web.settings.web.behind_proxy = True  # behind nginx on 127.0.0.1; the stranger is not nginx
    add_user(db, OWNER, Role.ADMIN, PASSWORD, now=web.clock.now())
    codes = []
    for n in range(10):
        token = csrf_of(stranger.get("/admin/login").text)
        r = stranger.post("/admin/login", headers={"X-Forwarded-For": f"10.9.8.{n}"},
                          data={"email": OWNER, "password": f"guess {n}", "csrf_token": token})  # fmt: skip
        codes.append(r.status_code)
    assert codes[:5] == [400] * 5 and set(codes[5:]) == {429}
