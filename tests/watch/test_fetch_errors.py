"""A fetch that fails says why with a code and its parameters, which read in French (core.messages): what a
source's health keeps. A real server on 127.0.0.2; a port nobody listens on for the refused connection."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from core.errors import FetchError
from core.messages import describe
from core.settings import WatchSettings
from tests.watch.helpers import HOST, FakeResolver, Responder, http_server
from watch.fetch import HttpFetcher


class Failing(Responder):
    def do_GET(self) -> None:
        if self.path == "/loop":
            self.send(302, Location="/loop")
        elif self.path == "/big":
            self.send(200, b"x" * 5000, Content_Type="text/plain")
        else:
            self.send(404)


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with http_server(Failing, HOST) as p:
        yield p


def failure(url: str) -> FetchError:
    settings = WatchSettings(timeout=5.0, max_redirects=3, max_body_bytes=1000, trusted_networks=[f"{HOST}/32"])
    fetcher = HttpFetcher(settings, resolver=FakeResolver())

    async def go() -> None:
        try:
            await fetcher.fetch(url)
        finally:
            await fetcher.aclose()

    with pytest.raises(FetchError) as caught:
        asyncio.run(go())
    return caught.value


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("path", "code", "french"),
    [
        ("/absent", "http_status", "HTTP 404 : page introuvable"),
        ("/loop", "too_many_redirects", "plus de 3 redirections (une boucle ?)"),
        ("/big", "body_too_large", "réponse de 5,000 octets, au-delà de la limite de 1,000 octets"),
    ],
)
def test_a_failed_fetch_has_a_code_and_reads_in_french(port: int, path: str, code: str, french: str) -> None:
    error = failure(f"http://{HOST}:{port}{path}")
    assert error.code == code and describe(error) == french


def test_a_refused_connection_is_said_as_such() -> None:
    error = failure(f"http://{HOST}:{free_port()}/rss")
    assert str(error).startswith("ConnectError")  # the message keeps httpx's words, for the logs
    assert error.code == "connection_refused" and describe(error) == "connexion refusée"
