"""Request bodies: capped as they arrive (not from Content-Length alone) and dropped when they never finish.

The threat: a visitor holds workers and memory with a huge or endless body (a chunked upload to /subscribe), or
with a body that trickles in one byte at a time (slowloris).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, MutableMapping
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from admin.app import create_app
from admin.web import WebContext
from core.model import Role

Scope = dict[str, Any]
GUARD = 10  # seconds: only so that code without a body timeout fails instead of hanging the suite


@pytest.fixture
def app(web: WebContext) -> Starlette:
    return create_app(web)


def scope_for(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> Scope:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "client": ("203.0.113.50", 40000), "server": ("testserver", 80),
            "headers": [(b"host", b"testserver"), (b"content-type", b"application/x-www-form-urlencoded"),
                        *(headers or [])]}  # fmt: skip


async def call(app: Starlette, scope: Scope, receive: Callable[[], Any]) -> tuple[int, bytes]:
    """One request straight through the ASGI interface; the status and body of the answer."""
    answer: dict[str, Any] = {"body": b""}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await asyncio.wait_for(app(scope, receive, send), GUARD)
    return answer["status"], answer["body"]


def test_a_large_public_form_is_refused_with_413(client: TestClient) -> None:
    r = client.post("/subscribe", data={"email": "a@exemple.fr", "name": "x" * 70_000})
    assert r.status_code == 413
    assert "trop volumineuse" in r.text and 'lang="fr"' in r.text


def test_a_small_public_form_still_goes_through(client: TestClient) -> None:
    r = client.post("/subscribe", data={"email": "a@exemple.fr", "name": "x" * 60_000})
    assert r.status_code != 413


def test_a_chunked_body_without_length_is_counted_and_stopped(app: Starlette) -> None:
    """No Content-Length: the body is counted as it arrives and reading stops at the cap (64 KB), long before the
    2 MB the client would send."""
    chunk = b"name=" + b"x" * 16_379  # 16 KB per message
    handed: list[int] = []

    async def receive() -> dict[str, Any]:
        handed.append(1)
        return {"type": "http.request", "body": chunk, "more_body": len(handed) < 128}

    status, body = asyncio.run(call(app, scope_for("/subscribe"), receive))
    assert status == 413 and b"trop volumineuse" in body
    assert len(handed) <= 5, f"read {len(handed)} chunks of 16 KB past a 64 KB cap"


def test_a_declared_length_over_the_cap_is_refused_before_reading(app: Starlette) -> None:
    handed: list[int] = []

    async def receive() -> dict[str, Any]:
        handed.append(1)
        return {"type": "http.request", "body": b"", "more_body": False}

    status, _ = asyncio.run(call(app, scope_for("/subscribe", [(b"content-length", b"10000000")]), receive))
    assert status == 413 and handed == []


def test_a_body_that_never_ends_is_dropped_with_408(app: Starlette, web: WebContext) -> None:
    web.settings.web.body_timeout_seconds = 0.05

    async def receive() -> dict[str, Any]:
        receive.calls += 1  # type: ignore[attr-defined]
        if receive.calls == 1:  # type: ignore[attr-defined]
            return {"type": "http.request", "body": b"email=a%40exemple.fr&na", "more_body": True}
        await asyncio.Event().wait()  # the rest never comes
        raise AssertionError("unreachable")

    receive.calls = 0  # type: ignore[attr-defined]
    status, body = asyncio.run(call(app, scope_for("/subscribe"), receive))
    assert status == 408 and "pas arrivé à temps".encode() in body


def test_a_complete_body_then_a_slow_page_is_not_a_timeout(client: TestClient, web: WebContext) -> None:
    """Only the body is timed: once it is complete, waiting for a disconnect is not a slow body."""
    web.settings.web.body_timeout_seconds = 0.05
    assert client.post("/subscribe", data={"email": "a@exemple.fr"}).status_code != 408


def test_admin_forms_have_their_own_cap(client: TestClient) -> None:
    r = client.post("/admin/login", data={"email": "a@exemple.fr", "password": "x" * 2_100_000})
    assert r.status_code == 413 and "trop volumineuse" in r.text


def test_the_csv_import_takes_files_over_the_admin_form_cap(login: Callable[[Role], TestClient]) -> None:
    client = login(Role.STAFF)
    page = client.get("/admin/subscribers/import").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    csv = b"email\n" + b"".join(f"abonne{n}@exemple.fr\n".encode() for n in range(150_000))  # ~3.2 MB
    assert len(csv) > 3_000_000
    r = client.post("/admin/subscribers/import", data={"csrf_token": token}, files={"file": ("a.csv", csv)})
    assert r.status_code == 200, r.text[:500]
