"""A super-admin creates a second network in Chromium: the « Réseaux » entry, a refusal in French that keeps what
was typed, then the network listed as served at once (the process adopts it, as its web pages do)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from admin.accounts import add_user
from admin.app import create_app
from core.clock import SystemClock
from core.model import Role
from core.settings import NetworkSettings, Settings
from relais.networks import NetworkRegistry
from relais.web import build_web_context
from relais.wiring import Services, adopt_created_networks
from storage.database import Database
from storage.users import UserRepository
from tests.browser.conftest import PASSWORD, Server
from tests.live import serving
from tests.seed import TAXONOMY

pytestmark = pytest.mark.browser
ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"


def adopting(services: Services) -> Callable[[], None]:
    """What the web dispatch does once a network is created: this process takes it into its settings."""

    def adopt() -> None:
        adopt_created_networks(services)

    return adopt


@pytest.fixture
def server(db: Database) -> Iterator[Server]:
    if db.dialect != "sqlite":
        pytest.skip("the browser scenario runs once, on SQLite; routes are tested on both engines")
    settings = Settings(network=NetworkSettings(slug="resacoop", name="RESACOOP", departements=["01", "69"]))
    settings.taxonomy = TAXONOMY
    services = Services(settings=settings, db=db, clock=SystemClock())
    web = build_web_context(
        settings, db, services.clock, secret_key="browser-test", networks=NetworkRegistry(services, adopting(services))
    )
    add_user(db, "super@reseaux.example", Role.ADMIN, PASSWORD, now=web.clock.now())
    with db.session() as s:
        UserRepository(s).set_superadmin("super@reseaux.example", True)
    with serving(create_app(web), lifespan="on") as url:
        yield Server(url, web, [], db)


@pytest.fixture
def expected_console() -> list[str]:
    """The refused form answers 400, which Chromium reports on its console as a failed load."""
    return ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]


def test_a_superadmin_creates_a_network(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/admin/")
    page.fill("#email", "super@reseaux.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.click("nav >> text=Réseaux")
    page.wait_for_url(f"{server.url}/admin/reseaux")
    assert page.locator("tbody tr").count() == 1

    page.fill("#net-name", "Centraider")
    page.fill("#net-slug", "centraider")
    page.fill("#net-region", "Centre-Val de Loire")
    page.fill("#net-deps", "18, 28, 36, 37, 41, 45, 69")
    page.fill("#net-url", "https://lettre.centraider.example")
    page.fill("#net-from", "lettre@centraider.example")
    page.click("text=Créer le réseau")
    alert = page.locator("[role=alert]")
    assert "le département 69 est déjà celui du réseau « resacoop »" in alert.inner_text()
    assert page.input_value("#net-name") == "Centraider"  # what was typed is kept

    page.fill("#net-deps", "18, 28, 36, 37, 41, 45")
    page.click("text=Créer le réseau")
    page.wait_for_url(f"{server.url}/admin/reseaux")
    assert "Réseau « Centraider » créé" in page.locator(".flash-success").inner_text()
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    created = rows.nth(1).inner_text()
    assert "Centraider" in created and "servi" in created and "pas encore servi" not in created
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "networks.png"), full_page=True)
