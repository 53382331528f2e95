"""Networks created by a super-admin from the admin: the page is theirs alone, the form is checked as
``config.toml`` is (in French, nothing stored when refused), and the network is served at its host at once by every
process, and after a restart, the first network keeping its rows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import relais.web
from core.clock import FrozenClock
from core.model import Role, Subscriber, SubscriberStatus
from relais.networks import network_from_form
from relais.scheduler import Leader
from relais.scheduler import Role as SchedulerRole
from relais.web import build_app
from relais.wiring import Services, with_created_networks
from storage.database import Database
from storage.networks import FIRST_NETWORK, NetworkRepository
from storage.subscribers import SubscriberRepository
from storage.users import UserRepository
from subscribers.accounts import Accounts
from tests.admin.conftest import PASSWORD, cheap_hashing, csrf_of  # noqa: F401  (cheap_hashing: autouse)
from tests.admin.issue_world import settings
from tests.relais.test_networks_web import login

A_HOST, B_HOST = "resacoop.relais.example", "centraider.relais.example"
CENTRAIDER = {
    "slug": "centraider",
    "name": "Centraider",
    "newsletter_name": "La lettre de Centraider",
    "region": "Centre-Val de Loire",
    "departements": "18, 28, 36, 37, 41, 45",
    "base_url": f"https://{B_HOST}",
    "from_address": "Lettre@Centraider.example",
    "timezone": "Europe/Paris",
    "primary_color": "#2a7f62",
    "accent_color": "#e07a1f",
}


@pytest.fixture
def services(db: Database, clock: FrozenClock, tmp_path: Path) -> Services:
    """A deployment of one network, RESACOOP, with a subscriber, an admin and a super-admin."""
    base = settings(tmp_path)
    one = dataclasses.replace(base.network, slug="resacoop", name="RESACOOP", base_url=f"https://{A_HOST}",
                              departements=["01", "69"])  # fmt: skip
    svc = Services(settings=dataclasses.replace(base, network=one), db=db, clock=clock)
    Accounts(db).add("admin@resacoop.example", Role.ADMIN, PASSWORD, now=clock.now())
    Accounts(db).add("super@reseaux.example", Role.ADMIN, PASSWORD, now=clock.now())
    with db.session() as s:
        UserRepository(s).set_superadmin("super@reseaux.example", True)
        SubscriberRepository(s).save(Subscriber("fidele@membre.example", SubscriberStatus.CONFIRMED))
    return svc


def post(client: TestClient, form: dict[str, str]) -> tuple[int, str]:
    token = csrf_of(client.get(f"https://{A_HOST}/admin/reseaux").text)
    r = client.post(f"https://{A_HOST}/admin/reseaux", data={**form, "csrf_token": token}, follow_redirects=False)
    return r.status_code, r.text


def stored(db: Database) -> list[str]:
    with db.session() as s:
        return [n.slug for n in NetworkRepository(s).listing() if n.settings]


def test_only_a_superadmin_sees_and_creates_networks(services: Services) -> None:
    with TestClient(build_app(services), base_url=f"https://{A_HOST}") as client:
        assert login(client, A_HOST, "admin@resacoop.example") == 303
        assert "/admin/reseaux" not in client.get(f"https://{A_HOST}/admin/").text
        assert client.get(f"https://{A_HOST}/admin/reseaux").status_code == 403
        token = csrf_of(client.get(f"https://{A_HOST}/admin/").text)
        refused = client.post(f"https://{A_HOST}/admin/reseaux", data={**CENTRAIDER, "csrf_token": token})
        assert refused.status_code == 403
    assert stored(services.db) == []


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"departements": "18, 99"}, "départements : pas un code de département : « 99 »"),
        ({"departements": "69, 18"}, "le département 69 est déjà celui du réseau « resacoop »"),
        ({"base_url": f"https://{A_HOST}"}, f"deux réseaux à la même adresse « {A_HOST} »"),
        ({"base_url": f"https://{A_HOST}/centraider"}, f"sur l'hôte « {A_HOST} », un seul réseau à la racine ou"),
        ({"base_url": "https://reseaux.example/centre/val"}, "hôte/chemin (un segment : minuscules, chiffres et"),
        ({"base_url": "file:///etc/passwd"}, "adresse publique : une adresse http(s)://hôte"),
        ({"slug": "resacoop"}, "« resacoop » est déjà celui d'un autre réseau"),
        ({"slug": "Centre Val"}, "des minuscules, chiffres et tirets"),
        ({"from_address": "pas une adresse"}, "adresse électronique invalide"),
        ({"timezone": "Europe/Orléans"}, "fuseau horaire : fuseau inconnu"),
        ({"primary_color": "red;}body{"}, "couleur principale : une couleur comme #1d5c8c"),
        ({"logo_url": "http://centraider.example/logo.png"}, "logo : une adresse https://"),
        ({"name": ""}, "nom : à renseigner"),
    ],
)
def test_a_wrong_form_is_refused_in_french_and_nothing_is_stored(
    services: Services, change: dict[str, str], said: str
) -> None:
    with TestClient(build_app(services), base_url=f"https://{A_HOST}") as client:
        assert login(client, A_HOST, "super@reseaux.example") == 303
        status, page = post(client, {**CENTRAIDER, **change})
    assert status == 400
    assert "Réseau non créé" in page and said.replace("'", "&#39;").replace("<", "&lt;") in page
    assert stored(services.db) == []


def test_a_created_network_is_served_at_once_by_every_process_and_its_jobs_planned(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No restart: the process where it is created serves it at once, another web process from the first request to
    its host (stray hosts make it look at most every ``look_every`` seconds), the scheduler plans its jobs."""
    elsewhere = build_app(dataclasses.replace(services))  # another web process, started before the network exists
    leader = Leader(dataclasses.replace(services), poll=3600)
    looks: list[str] = []
    adopt = relais.web.adopt_created_networks
    monkeypatch.setattr(relais.web, "adopt_created_networks", lambda svc: looks.append("look") or adopt(svc))
    try:
        assert leader.step() == SchedulerRole.LEADING
        assert leader.scheduler is not None and "digest.newsletter" in {j.id for j in leader.scheduler.get_jobs()}
        with TestClient(build_app(services)) as client, TestClient(elsewhere) as there:
            elsewhere.look_every = 60
            for _ in range(5):  # one network answers at any address; an unknown host is looked up once a minute
                assert "Centraider" not in there.get(f"https://{B_HOST}/subscribe").text
            assert looks == ["look"]

            assert login(client, A_HOST, "super@reseaux.example") == 303
            status, _ = post(client, CENTRAIDER)
            assert status == 303
            page = client.get(f"https://{A_HOST}/admin/reseaux").text
            assert f"Réseau « Centraider » créé : il est servi à https://{B_HOST}." in page
            assert "créé par super@reseaux.example" in page and "pas encore servi" not in page
            home = client.get(f"https://{B_HOST}/subscribe")
            assert home.status_code == 200 and "Centraider" in home.text and "RESACOOP" not in home.text
            assert "RESACOOP" in client.get(f"https://{A_HOST}/subscribe").text

            assert "Centraider" not in there.get(f"https://{B_HOST}/subscribe").text  # its minute has not passed
            elsewhere.look_every = 0
            assert "Centraider" in there.get(f"https://{B_HOST}/subscribe").text
            assert "RESACOOP" in there.get(f"https://{A_HOST}/subscribe").text

        assert leader.step() == SchedulerRole.LEADING  # its next look plans the new network's jobs, per network
        ids = {j.id for j in leader.scheduler.get_jobs()}
        assert {"digest.newsletter@resacoop", "digest.newsletter@centraider"} <= ids
        assert "deliveries.send_due@centraider" in ids and "digest.newsletter" not in ids
    finally:
        leader.shutdown(wait=True)
    with services.db.session() as s:  # the first network kept its row and its subscriber
        ids_ = NetworkRepository(s).ids()
        assert ids_["resacoop"] == FIRST_NETWORK and ids_["centraider"] != FIRST_NETWORK
    with services.for_network("centraider").db.session() as s:
        assert SubscriberRepository(s).by_email("fidele@membre.example") is None
    with services.for_network("resacoop").db.session() as s:
        assert SubscriberRepository(s).by_email("fidele@membre.example") is not None


def test_a_created_network_is_served_at_its_host_after_a_restart(services: Services) -> None:
    with TestClient(build_app(services), base_url=f"https://{A_HOST}") as client:
        assert login(client, A_HOST, "super@reseaux.example") == 303
        assert "/admin/reseaux" in client.get(f"https://{A_HOST}/admin/").text
        status, _ = post(client, CENTRAIDER)
        assert status == 303
        again, text = post(client, CENTRAIDER)  # the same slug again: refused
        assert again == 400 and "« centraider » est déjà celui d&#39;un autre réseau" in text
    assert stored(services.db) == ["centraider"]

    restarted = with_created_networks(Services(settings=services.settings, db=services.db, clock=services.clock))
    centraider = restarted.settings.all_networks[1]
    assert [n.slug for n in restarted.settings.all_networks] == ["resacoop", "centraider"]
    assert centraider.departements == ["18", "28", "36", "37", "41", "45"]
    assert centraider.from_address == "lettre@centraider.example"  # one spelling per address
    app = build_app(restarted)
    assert app.fallback is None  # several networks: each at its host only
    with TestClient(app) as client:
        home = client.get(f"https://{B_HOST}/")
        assert home.status_code == 200 and "Centraider" in home.text
        assert client.get(f"https://{A_HOST}/").status_code == 200
        assert client.get("https://ailleurs.example/").status_code == 421
    a = restarted.for_network("resacoop")
    with a.db.session() as s:
        assert SubscriberRepository(s).by_email("fidele@membre.example") is not None


def test_the_form_is_checked_as_config_toml_is() -> None:
    network = network_from_form(CENTRAIDER, [])
    assert network.slug == "centraider" and network.base_url == f"https://{B_HOST}"
    assert network.region == "Centre-Val de Loire" and network.primary_color == "#2a7f62"
