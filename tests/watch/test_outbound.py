"""The outbound policy against hostile pages: a page a third party controls cannot make Relais read the server's
files or reach its network. The hostile server listens on 127.0.0.2; only that address is trusted (as an
intranet would be), so its links and redirects into 127.0.0.1, private ranges or files are what is refused.
Names are resolved by a fake resolver: no packet ever leaves 127.0.0.0/8."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from core.clock import FrozenClock
from core.errors import FetchError
from core.settings import WatchSettings
from storage.database import Database
from storage.items import ItemRepository
from storage.sources import SourceRepository
from tests.watch.helpers import HOST, FakeResolver, Responder, http_server, source
from watch.fetch import HttpFetcher
from watch.outbound import IPAddress, OutboundPolicy, OutboundRefused, Refusal, is_public, numeric_host
from watch.service import Watch

SECRET = "CLE-SECRETE-DU-SERVEUR-7f3a"
TRUSTED = [f"{HOST}/32"]  # the hostile server's own address only: 127.0.0.1 stays refused


class Hostile(Responder):
    port: ClassVar[int] = 0
    secret_file: ClassVar[str] = ""
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Hostile.hits.append(self.path)
        p = self.port
        links = [
            f"file://{self.secret_file}",
            f"http://127.0.0.1:{p}/secret",
            f"http://0x7f000001:{p}/secret",
            f"http://2130706433:{p}/secret",
            f"http://[::ffff:127.0.0.1]:{p}/secret",
            f"http://[::1]:{p}/secret",
            "http://169.254.169.254/latest/meta-data/",
            f"http://rebind.example:{p}/secret",
            "/to-loopback",
            "/to-file",
            "/ok-detail",
        ]
        if self.path == "/list.html":
            blocks = "".join(
                f'<article class="appel"><h2><a href="{link}">Appel {i}</a></h2></article>'
                for i, link in enumerate(links)
            )
            self.send(200, f"<html><body>{blocks}</body></html>".encode(), Content_Type="text/html; charset=utf-8")
        elif self.path == "/secret":
            self.send(200, f"<html><body><p>{SECRET}</p></body></html>".encode(), Content_Type="text/html")
        elif self.path == "/to-loopback":
            self.send(302, Location=f"http://127.0.0.1:{p}/secret")
        elif self.path == "/to-file":
            self.send(302, Location=f"file://{self.secret_file}")
        elif self.path == "/to-private":
            self.send(302, Location="http://10.0.0.1/admin")
        elif self.path == "/to-named-private":
            self.send(302, Location="http://intranet.example/")
        elif self.path == "/ok-detail":
            self.send(200, b"<html><body><p>Page de l'appel, en ligne.</p></body></html>", Content_Type="text/html")
        else:
            self.send(404)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    secret = tmp_path_factory.mktemp("var") / "secret_key"
    secret.write_text(SECRET)
    Hostile.secret_file = str(secret)
    with http_server(Hostile, HOST) as port:
        Hostile.port = port
        yield port


def names() -> FakeResolver:
    return FakeResolver(
        {
            "funder.example": [HOST],
            "rebind.example": ["127.0.0.1"],
            "intranet.example": ["192.168.1.10"],
            "mixed.example": [HOST, "10.1.2.3"],
        }
    )


def fetcher(resolver: FakeResolver, trusted: Sequence[str] = TRUSTED, **kw: object) -> HttpFetcher:
    settings = WatchSettings(timeout=5.0, max_redirects=3, trusted_networks=list(trusted))
    return HttpFetcher(settings, resolver=resolver, **kw)  # type: ignore[arg-type]


def fetch(url: str, *, resolver: FakeResolver | None = None, trusted: Sequence[str] = TRUSTED) -> str:
    """The French refusal for ``url``, or "ok"."""

    async def run() -> str:
        async with fetcher(resolver or names(), trusted) as f:
            try:
                await f.fetch(url)
            except FetchError as exc:
                return str(exc)
            return "ok"

    return asyncio.run(run())


# -- the rules, address by address ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("[::ffff:7f00:1]", "::ffff:7f00:1"),
        ("0", "0.0.0.0"),
        ("calls.example", None),
        ("1.example", None),
    ],
)
def test_numeric_spellings_are_read_as_the_address_they_mean(spelling: str, address: str | None) -> None:
    found = numeric_host(spelling)
    assert (str(found) if found else None) == address


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.100.100.200",
        "0.0.0.0", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1",
        "fd00:ec2::254", "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1",
        "2002:7f00:1::", "192.0.2.1", "198.18.0.1",
    ],
)  # fmt: skip
def test_internal_and_special_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))
    ip = ipaddress.ip_address(address)
    with pytest.raises(OutboundRefused) as caught:
        OutboundPolicy().check_address(ip)
    assert str(caught.value) == f"adresse interne refusée : {ip}"


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:84e5", "8.8.8.8", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_trusted_networks_admit_their_addresses_and_no_other() -> None:
    policy = OutboundPolicy.from_settings(["10.20.0.0/16"])
    assert policy.allows_address(ipaddress.ip_address("10.20.3.4"))
    assert policy.allows_address(ipaddress.ip_address("::ffff:10.20.3.4"))
    assert not policy.allows_address(ipaddress.ip_address("10.21.0.1"))
    assert not policy.allows_address(ipaddress.ip_address("127.0.0.1"))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd", "FILE:///etc/passwd", "/etc/passwd", "config.toml", "../var/secret_key",
        "ftp://funder.example/x", "gopher://127.0.0.1:6379/_INFO", "dict://127.0.0.1:11211/", "javascript:alert(1)",
    ],
)  # fmt: skip
def test_only_http_and_https_are_fetched_for_anything_but_a_configured_source(url: str) -> None:
    with pytest.raises(OutboundRefused) as caught:
        OutboundPolicy().check_url(url)
    assert caught.value.code == Refusal.SCHEME
    assert str(caught.value).startswith("adresse refusée : seuls http et https sont suivis")


def test_a_local_file_is_read_only_when_the_operator_wrote_it_in_the_config(tmp_path: Path) -> None:
    declared = tmp_path / "demo.rss"
    declared.write_text("<rss/>")
    policy = OutboundPolicy.from_settings([], [str(declared)])
    assert policy.check_url(str(declared), local=True) == declared.resolve()
    assert policy.check_url(f"file://{declared}", local=True) == declared.resolve()
    for other in ["/etc/passwd", str(tmp_path / "secret_key"), f"{tmp_path}/x/../secret_key"]:
        with pytest.raises(OutboundRefused, match="fichier local refusé"):
            policy.check_url(other, local=True)
    with pytest.raises(OutboundRefused, match="seuls http et https"):  # a link to the very same file, found in a page
        policy.check_url(f"file://{declared}")


# -- requests, end to end ---------------------------------------------------------------------------------------


def test_links_and_redirects_into_the_server_are_refused_before_connecting(hostile: int) -> None:
    p = hostile
    assert fetch(f"http://funder.example:{p}/ok-detail") == "ok"
    Hostile.hits.clear()
    cases = {
        f"http://127.0.0.1:{p}/secret": "adresse interne refusée : 127.0.0.1",
        f"http://0x7f000001:{p}/secret": "adresse interne refusée : 127.0.0.1",
        f"http://[::ffff:127.0.0.1]:{p}/secret": "adresse interne refusée : ::ffff:7f00:1",
        f"http://rebind.example:{p}/secret": "adresse interne refusée : 127.0.0.1",
        f"http://mixed.example:{p}/secret": "adresse interne refusée : 10.1.2.3",
        "http://169.254.169.254/latest/meta-data/": "adresse interne refusée : 169.254.169.254",
        f"http://funder.example:{p}/to-loopback": "adresse interne refusée : 127.0.0.1",
        f"http://funder.example:{p}/to-private": "adresse interne refusée : 10.0.0.1",
        f"http://funder.example:{p}/to-named-private": "adresse interne refusée : 192.168.1.10",
        f"http://funder.example:{p}/to-file": "adresse refusée : seuls http et https sont suivis (file:)",
    }
    for url, refusal in cases.items():
        assert fetch(url) == refusal, url
    assert "/secret" not in Hostile.hits  # the redirects were answered; what they pointed to was never asked


def test_without_trusted_networks_the_loopback_is_refused_whatever_the_port(hostile: int) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]  # bound, never listening: a closed port
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        open_port = listening.getsockname()[1]
        answers = {fetch(f"http://127.0.0.1:{port}/", trusted=[]) for port in (open_port, closed_port)}
    assert answers == {"adresse interne refusée : 127.0.0.1"}  # one answer: no port scanner
    assert fetch(f"http://funder.example:{hostile}/ok-detail", trusted=[]) == "adresse interne refusée : 127.0.0.2"


def test_the_checked_address_is_the_one_connected_to(hostile: int) -> None:
    """The name is looked up once per connection; answering 127.0.0.1 on a second lookup would change nothing."""

    class Rebinding(FakeResolver):
        async def __call__(self, host: str, port: int) -> Sequence[IPAddress]:
            self.calls.append(host)
            return [ipaddress.ip_address(HOST if len(self.calls) == 1 else "127.0.0.1")]

    resolver = Rebinding({})
    assert fetch(f"http://funder.example:{hostile}/ok-detail", resolver=resolver) == "ok"
    assert resolver.calls == ["funder.example"]


def test_a_hostile_list_page_with_detail_pages_leaks_nothing(db: Database, clock: FrozenClock, hostile: int) -> None:
    """The audit's case: a list page's links to a file and to internal addresses, with ``detail = true``."""
    opts = {"item": "article.appel", "title": "h2", "link": "h2 a", "detail": True}  # the body: from the detail
    listing = source("html", "call", name="Appels (liste)", url=f"http://funder.example:{hostile}/list.html")
    listing.options = {**opts, "detail_body": "body"}
    with db.session() as s:
        SourceRepository(s).sync_from_config([listing])
    settings = WatchSettings(timeout=5.0, trusted_networks=TRUSTED)
    watch = Watch(db, settings, clock, resolver=names(), policy=OutboundPolicy.from_settings(TRUSTED))
    [result] = watch.collect()
    assert result.outcome == "fetched" and result.parsed == 11
    with db.session() as s:
        stored = ItemRepository(s).find()
    assert len(stored) == 11  # every result kept: a refused detail page costs only its extra fields
    assert SECRET not in repr(stored)
    assert any("Page de l'appel, en ligne." in (i.body_html or "") for i in stored)  # the allowed one was read
    assert not any((i.url or "").startswith("file:") for i in stored)


def test_a_refused_source_is_recorded_in_its_health_in_french(db: Database, clock: FrozenClock) -> None:
    feed = source("feed", "call", name="Flux interne", url="http://127.0.0.1:9/feed.rss")
    local = source("feed", "call", name="Fichier", url="/etc/passwd")
    with db.session() as s:
        SourceRepository(s).sync_from_config([feed, local])
    results = {r.source: r for r in Watch(db, WatchSettings(), clock).collect()}
    assert results["Flux interne"].error == "adresse interne refusée : 127.0.0.1"
    assert (
        results["Fichier"].error
        == "fichier local refusé : seule une source écrite dans config.toml lit un fichier (/etc/passwd)"
    )
    with db.session() as s:
        health = {src.name: src.health for src in SourceRepository(s).find()}
    assert health["Flux interne"].last_error == "adresse interne refusée : 127.0.0.1"
    assert health["Fichier"].last_error is not None and "fichier local refusé" in health["Fichier"].last_error


def test_a_preview_reads_no_local_file(db: Database, clock: FrozenClock, root: Path) -> None:
    """The admin's preview of a source typed in the form: config.toml, /etc/passwd, /proc/self/environ."""
    watch = Watch(db, WatchSettings(), clock)
    for path in [str(root / "config.toml"), "/etc/passwd", "/proc/self/environ", "file:///etc/passwd"]:
        with pytest.raises(OutboundRefused):
            watch.preview(source("feed", "news", url=path))
