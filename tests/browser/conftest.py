"""A real uvicorn server on 127.0.0.1 (free port, in a thread of the test) and Debian's Chromium via Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from admin.accounts import add_user
from admin.app import create_app
from admin.web import WebContext
from core.clock import SystemClock
from core.model import Item, Role, Source
from core.settings import Settings
from relais.web import build_web_context
from storage.database import Database
from tests.live import CHROMIUM_ARGS, serving
from tests.seed import TAXONOMY, seed

PASSWORD = "correct horse battery"


def fake_preview(source: Source) -> list[Item]:
    """What the watch's preview would give for a volunteering feed."""
    return [
        Item(kind=source.item_kind, title="Volontariat de solidarité internationale au Bénin (24 mois)"),
        Item(kind=source.item_kind, title="Mission de service civique : éducation au Sénégal"),
    ]


@dataclass
class Server:
    url: str
    web: WebContext
    ids: list[int]
    db: Database


@pytest.fixture
def server(db: Database) -> Iterator[Server]:
    if db.dialect != "sqlite":
        pytest.skip("the browser scenario runs once, on SQLite; routes are tested on both engines")
    settings = Settings()
    settings.taxonomy = TAXONOMY
    web = build_web_context(settings, db, SystemClock(), secret_key="browser-test",
                            preview_source=fake_preview, collect_now=lambda names: None)  # fmt: skip
    ids = seed(db, web.clock.now())
    add_user(db, "editrice@example.org", Role.ADMIN, PASSWORD, now=web.clock.now())
    with serving(create_app(web), lifespan="on") as url:
        yield Server(url, web, ids, db)


@pytest.fixture
def expected_console() -> list[str]:
    """Console errors a test expects, each exactly once (a form refused with 400 is one); none by default."""
    return []


@pytest.fixture
def page(server: Server, expected_console: list[str]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
        errors: list[str] = []
        context.on("pageerror", lambda exc: errors.append(str(exc)))
        context.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        yield context
        browser.close()
        assert errors == expected_console, f"JavaScript errors or CSP violations in the page: {errors}"
