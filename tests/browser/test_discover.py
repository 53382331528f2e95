"""« Ajouter une source » in Debian's Chromium: an admin pastes the address of a demo page (the demo folder served
on 127.0.0.1, trusted for the test), reads the proposals with their previews, chooses the first, finds the ordinary
form filled in with its preview, and saves. Then a page declaring its feed gets that feed first. Screenshots in
``tests/artefacts/discover-*.png``."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Sequence
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from admin.accounts import add_user
from admin.app import create_app
from admin.web import WebContext
from core.clock import SystemClock
from core.model import Role, SourceKind
from core.settings import Settings, WatchSettings
from relais.web import build_web_context
from storage.database import Database
from storage.sources import SourceRepository
from tests.browser.conftest import PASSWORD
from tests.live import CHROMIUM, CHROMIUM_ARGS, serving
from watch.outbound import IPAddress, OutboundRefused, Refusal, numeric_host
from watch.service import Watch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (scripts/install-system-deps)"),
]
ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "tests" / "artefacts"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


async def numbers_only(host: str, port: int) -> Sequence[IPAddress]:
    """No name resolves (the demo links to fictitious sites): nothing leaves the machine."""
    ip = numeric_host(host)
    if ip is None:
        raise OutboundRefused(Refusal.UNRESOLVED, host)
    return [ip]


@pytest.fixture
def demo_site() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(ROOT / "demo" / "sources")))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def admin(db: Database) -> Iterator[tuple[str, WebContext]]:
    if db.dialect != "sqlite":
        pytest.skip("the browser scenario runs once, on SQLite; routes are tested on both engines")
    settings = Settings()
    settings.watch = WatchSettings(timeout=10.0, trusted_networks=["127.0.0.0/8"])
    watch = Watch(db=db, settings=settings.watch, clock=SystemClock(), resolver=numbers_only)
    web = build_web_context(settings, db, SystemClock(), secret_key="browser-test",
                            preview_source=watch.preview_async, discover_source=watch.discover_async)  # fmt: skip
    add_user(db, "admin@example.org", Role.ADMIN, PASSWORD, now=web.clock.now())
    with serving(create_app(web), lifespan="on") as url:
        yield url, web


def test_an_admin_adds_a_source_by_pasting_its_address(
    admin: tuple[str, WebContext], demo_site: str, db: Database
) -> None:
    from playwright.sync_api import sync_playwright

    url, _web = admin
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page: Any = browser.new_page(viewport={"width": 1300, "height": 1100}, locale="fr-FR")
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{url}/admin/login")
        page.fill("#email", "admin@example.org")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit].primary")
        page.goto(f"{url}/admin/sources")
        page.click("text=Ajouter une source")
        assert page.url.endswith("/admin/sources/discover")

        # a list page without a feed and without selectors
        page.fill("#url", f"{demo_site}/formations.html")
        page.click("text=Chercher comment la suivre")
        first = page.locator("li.proposal").first
        assert first.get_attribute("data-way") == "blocks"
        assert "recommandée" in first.inner_text() and "Aperçu : 5 éléments" in first.inner_text()
        assert "Construire le cadre logique" in first.inner_text()
        page.screenshot(path=str(ARTEFACTS / "discover-proposals.png"), full_page=True)

        first.locator("button", has_text="Choisir et vérifier").click()
        assert page.input_value("#html_item") == "ul.catalogue > li.fiche"  # the ordinary form, filled in
        assert page.input_value("#kind") == "html" and page.input_value("#item_kind") == "training"
        assert "Aperçu : 5 éléments" in page.locator("section.preview").inner_text()
        page.fill("#name", "Formations du réseau")
        page.screenshot(path=str(ARTEFACTS / "discover-form.png"), full_page=True)
        page.click("button[value=save]")
        assert "Source « Formations du réseau » enregistrée." in page.inner_text("body")

        # a page declaring its feed: the feed first, its items the page's
        page.goto(f"{url}/admin/sources/discover")
        page.fill("#url", f"{demo_site}/actualites.html")
        page.click("text=Chercher comment la suivre")
        first = page.locator("li.proposal").first
        assert first.get_attribute("data-way") == "feed"
        assert f"{demo_site}/actualites.atom" in first.inner_text()
        assert "Retour sur le Festival des solidarités à Lyon" in first.inner_text()
        page.screenshot(path=str(ARTEFACTS / "discover-feed.png"), full_page=True)

        # nothing usable: said plainly
        page.goto(f"{url}/admin/sources/discover")
        page.fill("#url", "http://10.1.2.3/appels/")
        page.click("text=Chercher comment la suivre")
        assert "adresse interne refusée : 10.1.2.3" in page.inner_text("#discover-problem")
        page.screenshot(path=str(ARTEFACTS / "discover-refused.png"), full_page=True)
        browser.close()
    assert errors == [], f"JavaScript errors or CSP violations in the page: {errors}"
    with db.session() as s:
        saved = SourceRepository(s).by_name("Formations du réseau")
    assert saved.kind == SourceKind.HTML and saved.options["item"] == "ul.catalogue > li.fiche"
