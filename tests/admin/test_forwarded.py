"""Forged X-Forwarded-For: only our proxy's header is believed, by the app and by uvicorn, and nginx sets it right.

The threat: a visitor sends ``X-Forwarded-For: <any address>`` to get a fresh per-address sign-up quota for each
request, or to write someone else's address into the consent log.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select
from starlette.testclient import TestClient

from admin.app import create_app
from admin.proxy import forwarded_client, forwarded_https, trusted_proxies
from admin.web import WebContext
from core.clock import FrozenClock
from core.model import Subscriber
from core.settings import Settings, WebSettings, load_settings
from relais.cli.serve import uvicorn_proxy_options
from relais.web import build_web_context
from storage.database import Database
from storage.tables import ConsentEventRow
from subscribers.kit import make_kit

ROOT = Path(__file__).resolve().parents[2]
STRANGER = ("203.0.113.50", 40000)
PROXY = ("127.0.0.1", 40000)


class NoMail:
    def send(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None:
        pass


@pytest.fixture
def ctx(db: Database, clock: FrozenClock) -> WebContext:
    settings = load_settings(ROOT / "config.toml", environ={})
    settings.web.behind_proxy = True  # proxy_addresses: the default, ["127.0.0.1"]
    settings.subscribers.signup_rate_per_ip_per_hour = 2
    kit = make_kit(db, clock, settings, "forwarded-secret-" + "k" * 32, NoMail())
    return build_web_context(settings, db, clock, secret_key="s", subscribers=kit)


def client_from(ctx: WebContext, peer: tuple[str, int]) -> Iterator[TestClient]:
    with TestClient(create_app(ctx), client=peer) as c:
        yield c


@pytest.fixture
def stranger(ctx: WebContext) -> Iterator[TestClient]:
    yield from client_from(ctx, STRANGER)


@pytest.fixture
def proxied(ctx: WebContext) -> Iterator[TestClient]:
    yield from client_from(ctx, PROXY)


def sign_up(client: TestClient, email: str, forwarded_for: str) -> int:
    data = {"email": email, "streams": "newsletter", "streams_shown": "1"}
    code: int = client.post("/subscribe", data=data, headers={"X-Forwarded-For": forwarded_for}).status_code
    return code


def consent_ips(db: Database) -> list[str | None]:
    with db.session() as s:
        return list(s.scalars(select(ConsentEventRow.ip).order_by(ConsentEventRow.id)))


def test_a_forged_header_from_a_stranger_is_ignored(stranger: TestClient, db: Database) -> None:
    assert sign_up(stranger, "a@exemple.fr", "198.51.100.7") == 200
    assert consent_ips(db) == ["203.0.113.50"], "the consent log records who connected, not what they claim"


def test_forging_a_new_address_each_time_does_not_escape_the_per_address_limit(stranger: TestClient) -> None:
    codes = [sign_up(stranger, f"p{n}@exemple.fr", f"198.51.100.{n}") for n in range(3)]
    assert codes == [200, 200, 429]


def test_the_proxy_header_is_used_from_the_right(proxied: TestClient, db: Database) -> None:
    # nginx appends the peer it saw to whatever the visitor sent: the visitor's own entry is on the left.
    assert sign_up(proxied, "b@exemple.fr", "6.6.6.6, 198.51.100.7") == 200
    assert consent_ips(db) == ["198.51.100.7"]


def test_without_behind_proxy_no_header_is_believed(ctx: WebContext, db: Database) -> None:
    ctx.settings.web.behind_proxy = False
    for client in client_from(ctx, PROXY):
        assert sign_up(client, "c@exemple.fr", "198.51.100.7") == 200
    assert consent_ips(db) == ["127.0.0.1"]


# -- the rule itself -----------------------------------------------------------------------------------------------


def test_walk_from_the_right_past_trusted_proxies() -> None:
    proxies = trusted_proxies(("127.0.0.1", "10.0.0.0/8", "fd00::/8"))
    assert forwarded_client("127.0.0.1", ["1.1.1.1, 2.2.2.2, 10.1.2.3"], proxies) == "2.2.2.2"
    assert forwarded_client("fd00::1", ["2001:db8::5"], proxies) == "2001:db8::5"
    assert forwarded_client("::ffff:127.0.0.1", ["2.2.2.2"], proxies) == "2.2.2.2"
    assert forwarded_client("127.0.0.1", ["2.2.2.2:5555"], proxies) == "2.2.2.2"
    assert forwarded_client("127.0.0.1", ["1.1.1.1", "2.2.2.2"], proxies) == "2.2.2.2"  # two header lines
    assert forwarded_client("127.0.0.1", [], proxies) == "127.0.0.1"
    assert forwarded_client("127.0.0.1", ["10.0.0.1"], proxies) == "10.0.0.1", "all proxies: the farthest"
    assert forwarded_client("127.0.0.1", ["2.2.2.2, <script>, 10.0.0.9"], proxies) == "10.0.0.9", "junk ends it"
    assert forwarded_client("203.0.113.50", ["2.2.2.2"], proxies) == "203.0.113.50"
    assert forwarded_client("testclient", ["2.2.2.2"], proxies) == "testclient"


def test_https_is_believed_from_the_proxy_only() -> None:
    proxies = trusted_proxies(("127.0.0.1",))
    assert forwarded_https("https", "203.0.113.50", [], proxies)
    assert forwarded_https("http", "127.0.0.1", ["https"], proxies)
    assert not forwarded_https("http", "203.0.113.50", ["https"], proxies)
    assert not forwarded_https("http", "127.0.0.1", ["http"], proxies)


def test_proxy_addresses_are_validated(tmp_path: Path) -> None:
    from core.errors import ConfigError

    cfg = tmp_path / "config.toml"
    cfg.write_text('[web]\nproxy_addresses = ["127.0.0.1", "10.0.0.0/8", "nginx"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"web\.proxy_addresses.*« nginx »"):
        load_settings(cfg, environ={})
    assert Settings().web.proxy_addresses == ["127.0.0.1"]


# -- uvicorn, in front of the app ----------------------------------------------------------------------------------


async def peer_seen_by_app(web: WebSettings, peer: tuple[str, int], forwarded_for: str) -> Any:
    """Run a request through uvicorn's own wrapping of the app, built from the options ``relais serve`` gives."""
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen["client"] = scope["client"][0]
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    config = uvicorn.Config(app, log_config=None, **uvicorn_proxy_options(web))
    config.load()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/", "raw_path": b"/", "query_string": b"", "root_path": "", "client": peer,
             "server": ("127.0.0.1", 8000), "headers": [(b"x-forwarded-for", forwarded_for.encode())]}  # fmt: skip

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: Any) -> None:
        pass

    await config.loaded_app(scope, receive, send)
    return seen["client"]


def test_uvicorn_believes_the_header_from_the_proxy_only() -> None:
    web = WebSettings(behind_proxy=True)
    assert asyncio.run(peer_seen_by_app(web, STRANGER, "198.51.100.7")) == "203.0.113.50"
    assert asyncio.run(peer_seen_by_app(web, PROXY, "198.51.100.7")) == "198.51.100.7"
    assert asyncio.run(peer_seen_by_app(WebSettings(behind_proxy=False), PROXY, "198.51.100.7")) == "127.0.0.1"


# -- the bundled nginx site ----------------------------------------------------------------------------------------


def server_level_directives(conf: str) -> list[str]:
    """The directives of the TLS server block written at its own level (inherited by every location)."""
    block = conf[conf.index("listen 443") :]
    out, depth = [], 1
    for line in block.splitlines():
        code = line.split("#", 1)[0].strip()
        if depth == 1 and code and not code.endswith("{") and code != "}":
            out.append(re.sub(r"\s+", " ", code))
        depth += code.count("{") - code.count("}")
        if depth == 0:
            break
    return out


def test_nginx_sets_the_forwarded_headers_for_every_location() -> None:
    directives = server_level_directives((ROOT / "docs" / "deploy" / "nginx.conf").read_text(encoding="utf-8"))
    assert ("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in directives
            or "proxy_set_header X-Real-IP $remote_addr;" in directives)  # fmt: skip
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in directives
    assert not [d for d in directives if "X-Forwarded-For $http_x_forwarded_for" in d]
