"""An unchanged source answers 304, and its connection goes back to the pool for the next source of the same
server: a collection of unchanged sources does not open (and, over https, handshake) one connection per source.
A real HTTP/1.1 server on 127.0.0.2 that counts the connections it was asked on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import ClassVar

import pytest

from core.settings import WatchSettings
from tests.watch.helpers import HOST, FakeResolver, Responder, http_server
from watch.fetch import Fetched, HttpFetcher

FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"


class KeepAlive(Responder):
    protocol_version = "HTTP/1.1"  # keeps the connection open between requests
    peers: ClassVar[set[int]] = set()

    def do_GET(self) -> None:
        type(self).peers.add(self.client_address[1])
        if self.headers.get("If-None-Match") == '"v1"':
            self.send(304, ETag='"v1"')
        else:
            self.send(200, FEED, ETag='"v1"', Content_Type="application/rss+xml")


@pytest.fixture
def port() -> Iterator[int]:
    KeepAlive.peers = set()
    with http_server(KeepAlive, HOST) as p:
        yield p


def _fetch_all(port: int, requests: list[tuple[str, str | None]]) -> list[Fetched]:
    """The answers, fetched one after the other (one connection is enough) by one fetcher."""
    settings = WatchSettings(per_host=1, trusted_networks=[f"{HOST}/32"])
    fetcher = HttpFetcher(settings, resolver=FakeResolver())
    answers: list[Fetched] = []

    async def go() -> None:
        try:
            for path, etag in requests:
                answers.append(await fetcher.fetch(f"http://{HOST}:{port}{path}", etag=etag))
        finally:
            await fetcher.aclose()

    asyncio.run(go())
    return answers


def test_unchanged_sources_share_one_connection(port: int) -> None:
    answers = _fetch_all(port, [("/a", None), ("/a", '"v1"'), ("/b", '"v1"'), ("/c", '"v1"'), ("/d", None)])
    assert [a.status for a in answers] == [200, 304, 304, 304, 200]
    assert len(KeepAlive.peers) == 1


def test_the_answers_are_still_read_right_after_a_304(port: int) -> None:
    # The 304 leaves nothing unread behind it on the connection: the next answer is the next source's whole body.
    answers = _fetch_all(port, [("/a", '"v1"'), ("/b", None)])
    assert answers[1].body == FEED
    assert len(KeepAlive.peers) == 1
