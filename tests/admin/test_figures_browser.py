"""A staff member opens "Chiffres clés 2026" in Debian's Chromium (Playwright), against a real uvicorn server on
127.0.0.1, without JavaScript: the report's linked stylesheet applies under the admin's CSP, and the page prints
to one A4 sheet with the period chooser hidden. Saves ``tests/artefacts/figures.png`` for a look."""

from __future__ import annotations

import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from admin.accounts import add_user
from admin.app import create_app
from core.clock import FrozenClock
from core.model import Role
from core.settings import Settings
from relais.web import build_web_context
from storage.database import Database
from tests.figures.generated_year import TAXONOMY, generate, load
from tests.live import CHROMIUM_ARGS, serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"
PASSWORD = "correct horse battery"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (scripts/install-system-deps)"),
]


@pytest.fixture
def server(db: Database, clock: FrozenClock) -> Iterator[str]:
    load(db, generate())
    add_user(db, "staff@resacoop.example", Role.STAFF, PASSWORD, now=clock.now())
    settings = Settings(taxonomy=TAXONOMY)
    settings.network.name = "RESACOOP"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ctx = build_web_context(settings, db, clock, secret_key="browser-secret")
    with serving(create_app(ctx), port):
        yield f"http://127.0.0.1:{port}"


def test_staff_open_the_key_figures_and_print_them(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            java_script_enabled=False, locale="fr-FR", viewport={"width": 1280, "height": 900}
        )
        try:
            page = context.new_page()
            refused: list[str] = []
            page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
            page.goto(f"{server}/admin/figures")
            page.fill("#email", "staff@resacoop.example")
            page.fill("#password", PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r"/admin/figures$"))
            assert page.locator("h1#cc-title").inner_text() == "Chiffres clés 2026"

            page.fill("#fig-year", "2025")
            page.locator("#fig-year").press("Enter")
            page.wait_for_url(re.compile(r"year=2025"))
            assert page.locator("h1#cc-title").inner_text() == "Chiffres clés 2025"
            page.goto(f"{server}/admin/figures?year=2026")

            styles: dict[str, Any] = page.eval_on_selector(
                ".cc-value", "e => ({size: getComputedStyle(e).fontSize, weight: getComputedStyle(e).fontWeight})"
            )
            assert styles == {"size": "32px", "weight": "700"}  # the linked report.css applies
            ARTEFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTEFACTS / "figures.png"), full_page=True)

            page.emulate_media(media="print")
            hidden = page.eval_on_selector_all(
                ".topbar, .filters, .cc-downloads", "els => els.map(e => getComputedStyle(e).display)"
            )
            assert hidden == ["none", "none", "none"]
            pdf = page.pdf(format="A4", prefer_css_page_size=True)
            assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
            assert refused == []
        finally:
            context.close()
            browser.close()
    assert (ARTEFACTS / "figures.png").stat().st_size > 10_000
