"""Networks created by a super-admin from the admin: the page is theirs alone, the form is checked as
``config.toml`` is (in French, nothing stored when refused), and the network is served at its host from the next
start, the first network keeping its rows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from core.clock import FrozenClock
from core.model import Role, Subscriber, SubscriberStatus
from relais.networks import network_from_form
from relais.web import NetworkDispatch, build_app
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
        ({"base_url": f"https://{A_HOST}"}, f"deux réseaux au même hôte « {A_HOST} »"),
        ({"base_url": f"https://{A_HOST}/centraider"}, "adresse publique : une adresse https://hôte (sans chemin)"),
        ({"base_url": "file:///etc/passwd"}, "adresse publique : une adresse https://hôte"),
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


def test_a_created_network_is_served_at_its_host_from_the_next_start(services: Services) -> None:
    with TestClient(build_app(services), base_url=f"https://{A_HOST}") as client:
        assert login(client, A_HOST, "super@reseaux.example") == 303
        assert "/admin/reseaux" in client.get(f"https://{A_HOST}/admin/").text
        status, _ = post(client, CENTRAIDER)
        assert status == 303
        page = client.get(f"https://{A_HOST}/admin/reseaux").text
        assert "Réseau « Centraider » créé" in page and "servi après le prochain redémarrage" in page
        assert "créé par super@reseaux.example" in page
        again, text = post(client, CENTRAIDER)  # the same slug again: refused
        assert again == 400 and "« centraider » est déjà celui d&#39;un autre réseau" in text
    assert stored(services.db) == ["centraider"]

    restarted = with_created_networks(dataclasses.replace(services))
    centraider = restarted.settings.all_networks[1]
    assert [n.slug for n in restarted.settings.all_networks] == ["resacoop", "centraider"]
    assert centraider.departements == ["18", "28", "36", "37", "41", "45"]
    assert centraider.from_address == "lettre@centraider.example"  # one spelling per address
    app = build_app(restarted)
    assert isinstance(app, NetworkDispatch)
    with TestClient(app) as client:
        home = client.get(f"https://{B_HOST}/")
        assert home.status_code == 200 and "Centraider" in home.text
        assert client.get(f"https://{A_HOST}/").status_code == 200
        assert client.get("https://ailleurs.example/").status_code == 421
    with services.db.session() as s:  # the first network kept its row and its subscribers
        ids = NetworkRepository(s).ids()
        assert ids["resacoop"] == FIRST_NETWORK and ids["centraider"] != FIRST_NETWORK
    a = restarted.for_network("resacoop")
    with a.db.session() as s:
        assert SubscriberRepository(s).by_email("fidele@membre.example") is not None


def test_the_form_is_checked_as_config_toml_is() -> None:
    network = network_from_form(CENTRAIDER, [])
    assert network.slug == "centraider" and network.base_url == f"https://{B_HOST}"
    assert network.region == "Centre-Val de Loire" and network.primary_color == "#2a7f62"
