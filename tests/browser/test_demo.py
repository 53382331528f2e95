"""The real app over the bundled demo: the watch collects the demo sources, an editor opens the triage page in
Chromium (the screenshot artefact shows those real items), collects again from the sources page, and previews new
sources through the real watch before saving them: a feed, and an HTML page with the selectors typed in the form,
served over HTTP on 127.0.0.1 (the form takes no file path; the test's config trusts the loopback)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from admin.accounts import add_user
from core.clock import SystemClock
from core.model import Role
from core.settings import load_settings
from relais.web import build_app
from relais.wiring import Services, sync_sources, watch_service
from storage.database import Database
from storage.sources import SourceRepository
from tests.browser.conftest import PASSWORD
from tests.live import CHROMIUM_ARGS, serving

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "tests" / "artefacts"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def files(tmp_path: Path) -> Iterator[str]:
    """The demo's source files as a web site would serve them."""
    shutil.copytree(ROOT / "demo" / "sources", tmp_path / "site")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(tmp_path / "site")))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def demo(db: Database, tmp_path: Path) -> Iterator[tuple[str, Services]]:
    if db.dialect != "sqlite":
        pytest.skip("the browser scenario runs once, on SQLite")
    config = (ROOT / "config.toml").read_text(encoding="utf-8")
    assert "\ntrusted_networks = []\n" in config
    config = config.replace("\ntrusted_networks = []\n", '\ntrusted_networks = ["127.0.0.0/8"]\n')
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    shutil.copytree(ROOT / "demo", tmp_path / "demo")
    settings = load_settings(tmp_path / "config.toml", environ={})
    services = Services(settings=settings, db=db, clock=SystemClock())
    sync_sources(services)
    watch = watch_service(services)
    try:
        results = watch.collect()
    finally:
        watch.close()
    assert sum(r.new for r in results) > 40 and not [r for r in results if r.outcome == "error"]
    add_user(db, "editrice@example.org", Role.ADMIN, PASSWORD, now=services.clock.now())
    with serving(build_app(services)) as url:
        yield url, services


def test_triage_page_over_the_demo_sources(demo: tuple[str, Services], files: str) -> None:
    from playwright.sync_api import sync_playwright

    url, services = demo
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page: Any = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
        page.goto(f"{url}/admin/items")
        page.fill("#email", "editrice@example.org")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(f"{url}/admin/items")
        assert page.locator("tr.item-row").count() > 10
        text = page.inner_text("main")
        assert "Agence des financements (RSS)" in text  # a real demo source
        ARTEFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / "triage.png"), full_page=False)

        # "collecter maintenant" through the real watch: nothing changed, nothing breaks
        page.goto(f"{url}/admin/sources")
        page.click("form[action='/admin/sources/collect'] button")
        page.wait_for_url(f"{url}/admin/sources")
        assert "Collecte terminée" in page.inner_text("main")

        # preview a new source (one of the demo files) through the real watch before saving it
        page.goto(f"{url}/admin/sources/new")
        page.fill("#name", "Nouvelle source (aperçu)")
        page.fill("#url", f"{files}/financements.rss")
        page.select_option("#kind", "feed")
        page.select_option("#item_kind", "funding")
        page.click("button[name=intent][value=preview]")
        page.wait_for_selector("#preview-title")
        assert "Aperçu : " in page.inner_text("#preview-title")

        # a page without a feed: its selectors are typed in the form, shown for the HTML format only
        page.goto(f"{url}/admin/sources/new")
        assert not page.is_visible("#html_item")
        page.fill("#name", "Fondation (page HTML)")
        page.fill("#url", f"{files}/appels.html")
        page.select_option("#kind", "html")
        assert page.is_visible("#html_item") and not page.is_visible("#json_items")
        page.fill("#html_item", "article.appel")
        page.fill("#html_title", "h2")
        page.fill("#html_link", "h2 a")
        page.fill("#html_summary", ".resume")
        page.click("button[name=intent][value=preview]")
        page.wait_for_selector("#preview-title")
        assert "Alimentation durable et agroécologie paysanne" in page.inner_text(".preview")
        page.screenshot(path=str(ARTEFACTS / "source-preview.png"), full_page=True)
        page.click("button[name=intent][value=save]")
        page.wait_for_url(f"{url}/admin/sources")
        assert "Fondation (page HTML)" in page.inner_text("main")
        browser.close()
    with services.db.session() as s:
        assert SourceRepository(s).by_name("Fondation (page HTML)").options["item"] == "article.appel"
