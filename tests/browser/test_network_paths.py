"""Two networks on one host, each under its path, in Chromium: an editor of the second logs in at its path, triages
with htmx, follows the navigation, and stays logged in there while logging in at the first network too."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.clock import SystemClock
from core.model import ItemStatus, Role
from core.settings import NetworkSettings, Settings
from relais.web import build_app
from relais.wiring import Services
from storage.database import Database
from storage.items import ItemRepository
from subscribers.accounts import Accounts
from tests.browser.conftest import PASSWORD, Server
from tests.live import free_port, serving
from tests.seed import TAXONOMY, seed

pytestmark = pytest.mark.browser
ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"


@pytest.fixture
def server(db: Database, tmp_path: Path) -> Iterator[Server]:
    """``/resacoop`` and ``/centraider`` on one 127.0.0.1 port; ``url``: the second network's address."""
    if db.dialect != "sqlite":
        pytest.skip("the browser scenario runs once, on SQLite; routes are tested on both engines")
    port = free_port()
    a = NetworkSettings(slug="resacoop", name="RESACOOP", base_url=f"http://127.0.0.1:{port}/resacoop",
                        departements=["01", "69"])  # fmt: skip
    b = dataclasses.replace(a, slug="centraider", name="Centraider", base_url=f"http://127.0.0.1:{port}/centraider",
                            departements=["18", "45"], from_address="lettre@centraider.example")  # fmt: skip
    settings = Settings(network=a, networks=[a, b], taxonomy=TAXONOMY)
    settings.web.secret_key = "browser-test-secret-key-of-the-deployment"
    services = Services(settings=settings, db=db, clock=SystemClock())
    one, two = services.for_network("resacoop"), services.for_network("centraider")
    now = services.clock.now()
    Accounts(one.db).add("editrice@resacoop.example", Role.ADMIN, PASSWORD, now=now)
    Accounts(two.db).add("editrice@centraider.example", Role.ADMIN, PASSWORD, now=now)
    ids = seed(two.db, now)
    app = build_app(services)
    with serving(app, port, lifespan="on") as url:
        yield Server(f"{url}/centraider", app.apps[("127.0.0.1:" + str(port), "/centraider")].state.ctx, ids, two.db)


def log_in(page: Any, url: str, email: str) -> None:
    page.goto(f"{url}/admin/items")
    page.wait_for_url(f"{url}/admin/login?next=/admin/items")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/admin/items")


def test_a_network_under_a_path_works_end_to_end_in_the_browser(page: Any, server: Server) -> None:
    log_in(page, server.url, "editrice@centraider.example")
    rows = page.locator("tr.item-row")
    assert rows.count() == 6
    page.keyboard.press("j")
    first_id = int(rows.nth(0).get_attribute("data-id"))
    page.keyboard.press("a")  # htmx posts to the network's path and swaps the row
    page.wait_for_selector(f"#item-{first_id}.status-approved")
    with server.db.session() as s:
        assert ItemRepository(s).get(first_id).status is ItemStatus.APPROVED
    assert page.url == f"{server.url}/admin/items"
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "network-path-triage.png"), full_page=True)

    page.click("nav >> text=Sources")
    page.wait_for_url(f"{server.url}/admin/sources")
    assert "Agence des financements (RSS)" in page.content()
    assert page.evaluate("document.styleSheets[0].cssRules.length") > 20  # the style sheet came, from the path

    first = server.url.replace("/centraider", "/resacoop")
    log_in(page, first, "editrice@resacoop.example")  # the other network, in the same browser
    assert page.locator("tr.item-row").count() == 0  # its own rows: none
    page.goto(f"{server.url}/admin/")
    assert "Centraider" in page.locator("a.brand").inner_text()  # still logged in at the second: a cookie each
    assert page.url == f"{server.url}/admin/"
