"""Two networks in one deployment, through the web as the composition root builds it: each host serves its own
network only, and every route of one network, given another network's ids, tokens and cookies, shows and changes
nothing of that other network."""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient

from core.clock import FrozenClock
from core.model import (
    Issue,
    IssueKind,
    IssueStatus,
    Item,
    ItemKind,
    ItemStatus,
    Role,
    Source,
    SourceKind,
    Subscriber,
    SubscriberStatus,
)
from core.settings import Settings, network_address
from relais.web import NetworkDispatch, build_app
from relais.wiring import Services, build_subscribers
from storage.database import Database
from storage.issues import IssueRepository
from storage.items import ItemRepository
from storage.sources import SourceRepository
from storage.subscribers import SubscriberRepository
from storage.users import UserRepository
from subscribers.accounts import Accounts
from subscribers.links import MANAGE
from tests.admin.conftest import PASSWORD, cheap_hashing, csrf_of  # noqa: F401  (cheap_hashing: autouse)
from tests.admin.issue_world import settings

# Where each network answers: its own host, or one host shared under a path each (see `addresses`).
ADDRESSES = {
    "hosts": ("resacoop.relais.example", "centraider.relais.example"),
    "paths": ("reseaux.relais.example/resacoop", "reseaux.relais.example/centraider"),
}
A_HOST, B_HOST = ADDRESSES["hosts"]
SECRET_A = "Lettre réservée à RESACOOP"  # what no page of the other network may show
SECRET_A_SUBSCRIBER = "secret-resacoop@membre.example.org"
SECRET_SOURCE = "Agenda réservé de la mairie"  # a source of the first network's own
SECRET_ITEM = "Appel relu par la seule équipe de RESACOOP"  # the first network's row of an item


@pytest.fixture(autouse=True, params=sorted(ADDRESSES))
def addresses(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs twice: each network at its own host, then both on one host, each under its path (the
    URLs below are written ``https://{A_HOST}/...`` and read these at run time)."""
    a, b = ADDRESSES[request.param]
    monkeypatch.setattr(sys.modules[__name__], "A_HOST", a)
    monkeypatch.setattr(sys.modules[__name__], "B_HOST", b)
    return str(request.param)


def session_cookie(client: TestClient, where: str) -> str | None:
    """The session cookie a network set: at its host, for its path."""
    host, _, prefix = where.partition("/")
    return client.cookies.get("relais_session", domain=host, path=f"/{prefix}" if prefix else "/")


def two_networks(tmp_path: Path) -> Settings:
    base = settings(tmp_path)
    a = dataclasses.replace(base.network, slug="resacoop", name="RESACOOP", base_url=f"https://{A_HOST}")
    b = dataclasses.replace(
        base.network,
        slug="centraider",
        name="Centraider",
        newsletter_name="La lettre de Centraider",
        from_address="lettre@centraider.example",
        postal_address="Centraider, 1 place de l'Exemple, 45000 Orléans",
        base_url=f"https://{B_HOST}",
    )
    return dataclasses.replace(base, network=a, networks=[a, b])


@dataclass
class World:
    app: NetworkDispatch
    a: Services
    b: Services
    issue_a: int
    subscriber_a: int
    user_a: int
    source_a: int  # a source of the first network's own
    item_a: int  # the first network's row of an item
    unsubscribe_a: str  # A's subscriber's personal link (a path)


@pytest.fixture
def world(db: Database, clock: FrozenClock, tmp_path: Path) -> World:
    services = Services(settings=two_networks(tmp_path), db=db, clock=clock)
    a, b = services.for_network("resacoop"), services.for_network("centraider")
    user_a = Accounts(a.db).add("admin@resacoop.example", Role.ADMIN, PASSWORD, now=clock.now())
    Accounts(b.db).add("admin@centraider.example", Role.ADMIN, PASSWORD, now=clock.now())
    with a.db.session() as s:
        sub = SubscriberRepository(s).save(Subscriber(SECRET_A_SUBSCRIBER, SubscriberStatus.CONFIRMED))
        issue = IssueRepository(s).save(Issue(IssueKind.EMAILING, SECRET_A, SECRET_A, status=IssueStatus.SENT))
    with a.db.session() as s:  # made from a network's pages: its own
        item = ItemRepository(s).add(Item(kind=ItemKind.CALL, title=SECRET_ITEM))
        source = SourceRepository(s).save(Source(SECRET_SOURCE, "https://mairie.example/agenda.ics", SourceKind.ICAL,
                                                 ItemKind.EVENT))  # fmt: skip
    with b.db.session() as s:
        SubscriberRepository(s).save(Subscriber("abonne@centre.example.org", SubscriberStatus.CONFIRMED))
        IssueRepository(s).save(Issue(IssueKind.EMAILING, "Lettre du Centre", "Lettre du Centre"))
    assert sub.id is not None and issue.id is not None and user_a.id is not None and source.id is not None
    assert item.id is not None
    link = build_subscribers(a).links.unsubscribe_url(sub.id)
    app = build_app(services)
    assert isinstance(app, NetworkDispatch)
    return World(app, a, b, issue.id, sub.id, user_a.id, source.id, item.id, link.split(A_HOST, 1)[1])


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(world.app, base_url=f"https://{B_HOST}") as c:
        yield c


def login(client: TestClient, host: str, email: str) -> int:
    token = csrf_of(client.get(f"https://{host}/admin/login").text)
    r = client.post(
        f"https://{host}/admin/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    return r.status_code


def test_each_host_is_its_own_network_and_no_other(client: TestClient) -> None:
    assert "RESACOOP" in client.get(f"https://{A_HOST}/subscribe").text
    page = client.get(f"https://{B_HOST}/subscribe").text
    assert "Centraider" in page and "RESACOOP" not in page
    unknown = client.get("https://ailleurs.example/subscribe")
    assert unknown.status_code == 421 and "Aucun réseau" in unknown.text


def test_an_account_logs_in_only_where_it_is_a_member(client: TestClient) -> None:
    refused = login(client, B_HOST, "admin@resacoop.example")
    assert refused != 303 and refused == login(client, B_HOST, "personne@nulle-part.example")  # as for a stranger
    assert login(client, A_HOST, "admin@resacoop.example") == 303
    cookie = session_cookie(client, A_HOST)
    assert cookie
    # The first network's session cookie, sent to the second network's host: not a session there.
    r = client.get(f"https://{B_HOST}/admin/", headers={"cookie": f"relais_session={cookie}"}, follow_redirects=False)
    assert r.status_code == 303 and "/admin/login" in r.headers["location"]


def test_personal_links_of_one_network_do_nothing_in_another(client: TestClient, world: World) -> None:
    r = client.get(f"https://{B_HOST}{world.unsubscribe_a}")
    assert SECRET_A_SUBSCRIBER not in r.text
    token = csrf_of(r.text) if "csrf_token" in r.text else ""
    client.post(f"https://{B_HOST}{world.unsubscribe_a}", data={"csrf_token": token})
    with world.a.db.session() as s:
        assert SubscriberRepository(s).get(world.subscriber_a).status is SubscriberStatus.CONFIRMED
    # and on its own network's host, the link works
    assert client.get(f"https://{A_HOST}{world.unsubscribe_a}").status_code == 200


def routes(app: BaseRoute | object, prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    for route in getattr(app, "routes", []):
        if isinstance(route, Mount):
            yield from routes(route, prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path, set(route.methods or {"GET"})


def test_every_route_of_one_network_refuses_the_other_networks_ids(client: TestClient, world: World) -> None:
    """B's admin, logged in at B, tries each route with A's issue, subscriber and account ids: nothing of A is
    shown, and nothing of A changes."""
    assert login(client, B_HOST, "admin@centraider.example") == 303
    token = csrf_of(client.get(f"https://{B_HOST}/admin/").text)
    ids = {"issue_id": world.issue_a, "subscriber_id": world.subscriber_a, "user_id": world.user_a,
           "source_id": world.source_a, "item_id": world.item_a}  # fmt: skip
    tried = 0
    for path, methods in routes(world.app.apps[network_address(f"https://{B_HOST}")]):
        names = set(re.findall(r"{(\w+)(?::\w+)?}", path))
        if not names & set(ids) or not names <= set(ids) | {"fmt"}:
            continue  # tokens (tested above), static files, uploaded images (random names)
        url = re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(ids.get(m.group(1), "csv")), path)
        for method in methods & {"GET", "POST"}:
            r = client.request(
                method, f"https://{B_HOST}{url}", data={"csrf_token": token, "role": "editor"}, follow_redirects=False
            )
            tried += 1
            assert SECRET_A not in r.text and SECRET_A_SUBSCRIBER not in r.text, (method, url)
            assert SECRET_SOURCE not in r.text and SECRET_ITEM not in r.text, (method, url)
            assert r.status_code in (303, 400, 403, 404, 405, 409, 422), (method, url, r.status_code)
    assert tried >= 15
    with world.a.db.session() as s:  # nothing of A changed
        assert SubscriberRepository(s).get(world.subscriber_a).status is SubscriberStatus.CONFIRMED
        assert ItemRepository(s).get(world.item_a).status is ItemStatus.NEW
        assert IssueRepository(s).get(world.issue_a).status is IssueStatus.SENT
    account = Accounts(world.a.db).by_id(world.user_a)
    assert account is not None and account.role is Role.ADMIN and account.active


def test_lists_show_each_networks_own(client: TestClient) -> None:
    assert login(client, B_HOST, "admin@centraider.example") == 303
    subscribers = client.get(f"https://{B_HOST}/admin/subscribers").text
    assert "abonne@centre.example.org" in subscribers and SECRET_A_SUBSCRIBER not in subscribers
    assert SECRET_SOURCE not in client.get(f"https://{B_HOST}/admin/sources").text
    assert SECRET_SOURCE not in client.get(f"https://{B_HOST}/admin/items").text  # nor in the triage's filter
    issues = client.get(f"https://{B_HOST}/admin/issues").text
    assert "Lettre du Centre" in issues and SECRET_A not in issues
    users = client.get(f"https://{B_HOST}/admin/users").text
    assert "admin@centraider.example" in users and "admin@resacoop.example" not in users
    archive = client.get(f"https://{A_HOST}/archives").text
    assert SECRET_A in archive
    assert SECRET_A not in client.get(f"https://{B_HOST}/archives").text


def test_the_national_view_is_the_super_admins(client: TestClient, world: World) -> None:
    assert login(client, B_HOST, "admin@centraider.example") == 303
    assert "Vue nationale" not in client.get(f"https://{B_HOST}/admin/figures").text
    assert client.get(f"https://{B_HOST}/admin/figures?vue=nationale").status_code == 403
    Accounts(world.a.db).add("national@cirrma.example", Role.ADMIN, PASSWORD, now=world.a.clock.now())
    with world.a.db.deployment().session() as s:  # the operator's decision, at the command line
        UserRepository(s).set_superadmin("national@cirrma.example", True)
    client.cookies.clear()
    assert login(client, B_HOST, "national@cirrma.example") == 303  # an admin in every network
    page = client.get(f"https://{B_HOST}/admin/figures").text
    assert "Vue nationale" in page and "Centraider" in page
    nation = client.get(f"https://{B_HOST}/admin/figures?vue=nationale")
    assert nation.status_code == 200 and "Tous les réseaux" in nation.text
    export = client.get(f"https://{B_HOST}/admin/figures/export.csv?vue=nationale")
    assert export.status_code == 200


def test_every_personal_link_of_one_network_is_refused_by_the_other(client: TestClient, world: World) -> None:
    """Confirmation, preferences, unsubscribe, export and erasure links of a subscriber of the first network,
    followed on the second network's host: none shows or changes anything of theirs."""
    links = build_subscribers(world.a).links
    paths = {
        "confirm": links.confirm_url(world.subscriber_a),
        "preferences": links.preferences_url(world.subscriber_a),
        "unsubscribe": links.unsubscribe_url(world.subscriber_a),
        "export": f"https://{A_HOST}/export/" + links.token(MANAGE, world.subscriber_a),
        "erase": f"https://{A_HOST}/erase/" + links.token(MANAGE, world.subscriber_a),
    }
    for name, url in paths.items():
        path = url.split(A_HOST, 1)[1]
        for method in ("GET", "POST"):
            r = client.request(method, f"https://{B_HOST}{path}", data={"scope": "all", "confirm": "1"})
            assert SECRET_A_SUBSCRIBER not in r.text, (name, method)
            assert r.status_code in (400, 403, 404, 405, 410), (name, method, r.status_code)
    with world.a.db.session() as s:
        assert SubscriberRepository(s).get(world.subscriber_a).status is SubscriberStatus.CONFIRMED
    assert SECRET_A_SUBSCRIBER in client.get(f"https://{A_HOST}/export/" + links.token(MANAGE, world.subscriber_a)).text


def test_a_shared_source_is_seen_by_every_network_and_changed_by_none(client: TestClient, world: World) -> None:
    with world.a.db.deployment().session() as s:  # declared in config.toml: shared
        shared = SourceRepository(s).save(
            Source("Agence nationale (RSS)", "https://agence.example/rss", SourceKind.FEED, ItemKind.FUNDING)
        )
    assert shared.id is not None and shared.network_id is None
    assert login(client, B_HOST, "admin@centraider.example") == 303
    assert "Agence nationale (RSS)" in client.get(f"https://{B_HOST}/admin/sources").text
    token = csrf_of(client.get(f"https://{B_HOST}/admin/sources").text)
    r = client.post(f"https://{B_HOST}/admin/sources/{shared.id}/toggle", data={"csrf_token": token})
    assert r.status_code == 400 and "partagée par tous les réseaux" in r.text
    with world.a.db.session() as s:
        assert SourceRepository(s).get(shared.id).enabled


def test_each_network_offers_the_territories_of_its_own_departements(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    settings = two_networks(tmp_path)
    a = dataclasses.replace(settings.networks[0], departements=["69", "38"])
    b = dataclasses.replace(settings.networks[1], departements=["63"])
    services = Services(settings=dataclasses.replace(settings, network=a, networks=[a, b]), db=db, clock=clock)
    assert {t.slug for t in services.settings.taxonomy.territories} >= {"69", "38", "63"}  # the watch places all
    with TestClient(build_app(services)) as client:
        centre = client.get(f"https://{B_HOST}/subscribe").text
        aura = client.get(f"https://{A_HOST}/subscribe").text
    assert "Puy-de-Dôme" in centre and "Rhône" not in centre and "Isère" not in centre
    assert "Rhône" in aura and "Isère" in aura and "Puy-de-Dôme" not in aura


LINK = re.compile(r'(?:href|action|src|hx-get|hx-post)="(/[^"]*)"')


def test_every_link_and_redirect_keeps_to_the_networks_address(client: TestClient, addresses: str) -> None:
    """Under a path, a network's pages, forms, assets and redirects all stay under it; its session and the other
    network's live side by side in one browser."""
    prefix = "/" + B_HOST.split("/", 1)[1] if "/" in B_HOST else ""
    assert login(client, A_HOST, "admin@resacoop.example") == 303
    token = csrf_of(client.get(f"https://{B_HOST}/admin/login").text)
    r = client.post(f"https://{B_HOST}/admin/login?next=/admin/items", follow_redirects=False,
                    data={"email": "admin@centraider.example", "password": PASSWORD, "csrf_token": token,
                          "next": "/admin/items"})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == f"{prefix}/admin/items"
    pages = ["/admin/", "/admin/items", "/admin/issues", "/admin/sources", "/admin/subscribers", "/admin/users",
             "/admin/figures", "/admin/password", "/subscribe", "/archives", "/propose"]  # fmt: skip
    for page in pages:
        r = client.get(f"https://{B_HOST}{page}", follow_redirects=False)
        assert r.status_code == 200, (page, r.status_code)
        links = LINK.findall(r.text)
        assert links, page
        assert [link for link in links if not link.startswith(f"{prefix}/")] == [], page
    assert client.get(f"https://{B_HOST}/static/relais.css").status_code == 200
    assert "Centraider" in client.get(f"https://{B_HOST}/admin/").text  # still logged in at B...
    assert "RESACOOP" in client.get(f"https://{A_HOST}/admin/").text  # ...and at A: one cookie each
    out = client.get(f"https://{B_HOST}/admin/sources/999999", follow_redirects=False)
    assert out.status_code == 404
    if prefix:
        host = B_HOST.split("/", 1)[0]
        home = client.get(f"https://{host}{prefix}?x=1", follow_redirects=False)
        assert home.status_code == 308 and home.headers["location"] == f"{prefix}/?x=1"
        assert client.get(f"https://{host}/ailleurs/subscribe").status_code == 421
        assert client.get(f"https://{host}/").status_code == 421
        assert client.get(f"https://{host}/admin/").status_code == 421  # no network at the host's root
