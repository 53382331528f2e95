"""The demo newsletter as a reader opens it, in Chromium at 600 px (a desktop client's reading pane) and 375 px (a
phone): the logo and the « à la une » image shown, nothing wider than the screen, the table of contents leading to
its sections. The screenshots go to ``tests/artefacts/`` to be looked at.

The demo is built as ``relais up`` builds it (its sources collected, its subscribers imported, its items approved),
with what the bundled config leaves out: a logo in ``[network]`` and an editor putting one call on the front page
with its image. Both pictures are drawn by the browser itself and served through Playwright's routing: nothing is
fetched from outside.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.clock import SystemClock
from core.model import ItemKind, ItemStatus
from core.settings import load_settings
from curation.actions import Curator
from curation.validate import Taxonomy
from digest.checks import GMAIL_CLIP_BYTES, check_html
from relais import demo
from relais.wiring import Services, digest_service, sync_sources, watch_service
from storage.database import Database
from storage.items import ItemRepository
from tests.live import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "tests" / "artefacts"
LOGO = "https://resacoop.example/images/logo-blanc.png"
IMAGE = "https://resacoop.example/images/festisol.png"
PAGE = "https://lettre.resacoop.example/apercu.html"


def _demo_newsletter(db: Database, tmp_path: Path) -> tuple[str, str]:
    """The demo's newsletter for its largest segment holding the featured call: (HTML, text)."""
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    shutil.copytree(ROOT / "demo", tmp_path / "demo")
    settings = load_settings(tmp_path / "config.toml", environ={})
    settings.network.logo_url = LOGO
    services = Services(settings=settings, db=db, clock=SystemClock())
    sync_sources(services)
    watch = watch_service(services)
    try:
        watch.collect()
    finally:
        watch.close()
    demo.subscribers(services)
    demo.approve(services)
    today = services.clock.now().date()
    with db.session() as s:
        calls = ItemRepository(s).find(status=ItemStatus.APPROVED, kind=ItemKind.CALL)
    call = min((i for i in calls if i.deadline and i.deadline > today), key=lambda i: i.deadline or date.max)
    assert call.id is not None
    curator = Curator(db, services.clock, Taxonomy.from_settings(settings.taxonomy))
    form = {"featured": "1", "image_url": IMAGE, "image_alt": "Des bénévoles du Festival des solidarités à Lyon"}
    curator.edit(call.id, form, actor="demo")
    digest = digest_service(services)
    issue = digest.build_newsletter(by="demo", editorial=demo.EDITORIAL)
    assert issue.id is not None
    rendered = [r for _, r in digest.render_segments(issue.id) if call.id in r.item_ids]
    largest = max(rendered, key=lambda r: len(r.item_ids))
    return largest.html, largest.text


def _pictures(browser: Any) -> dict[str, bytes]:
    """A white logo on transparent ground (shown on the header's colour) and a 2:1 photo-like picture."""
    page = browser.new_page(viewport={"width": 1200, "height": 700}, device_scale_factor=1)
    page.set_content(
        '<div id="logo" style="display:inline-block;width:320px;height:80px;font:bold 40px/80px Arial,sans-serif;'
        'color:#fff;white-space:nowrap;overflow:hidden">◉ RESACOOP</div>'
        '<div id="photo" style="width:1104px;height:552px;background:linear-gradient(135deg,#1d5c8c,#c4491a);'
        'font:bold 64px/552px Arial,sans-serif;color:#fff;text-align:center">Festisol 2026</div>'
    )
    pictures = {
        LOGO: page.locator("#logo").screenshot(omit_background=True),
        IMAGE: page.locator("#photo").screenshot(),
    }
    page.close()
    return pictures


def test_the_demo_newsletter_read_at_600_and_375_pixels(db: Database, tmp_path: Path) -> None:
    if db.dialect != "sqlite":
        pytest.skip("the browser scenario runs once, on SQLite")
    from playwright.sync_api import sync_playwright

    html, text = _demo_newsletter(db, tmp_path)
    assert check_html(html, allow_local=True) == [] and len(html.encode()) < GMAIL_CLIP_BYTES
    assert "Au sommaire" in html and "AU SOMMAIRE" in text and "[Image : Des bénévoles" in text
    assert "(RSS)" not in html + text and "(iCalendar)" not in html + text  # source names, not formats
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        served = {**_pictures(browser), PAGE: html.encode()}
        asked: list[str] = []

        def route(r: Any) -> None:
            url = r.request.url
            asked.append(url)
            if url in served:
                kind = "text/html; charset=utf-8" if url == PAGE else "image/png"
                r.fulfill(status=200, body=served[url], headers={"Content-Type": kind})
            else:
                r.abort()

        for width in (600, 375):
            page = browser.new_page(viewport={"width": width, "height": 900}, locale="fr-FR")
            page.route("**/*", route)
            page.goto(PAGE, wait_until="load")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, f"wider than {width} px"
            images = page.evaluate("[...document.images].map(i => [i.alt, i.naturalWidth, i.clientWidth])")
            assert [alt for alt, *_ in images] == ["RESACOOP", "Des bénévoles du Festival des solidarités à Lyon"]
            assert all(natural > 0 and 0 < shown <= width for _, natural, shown in images), images
            # the table of contents leads to its sections: its second entry's heading comes to the top
            link = page.locator(".toc a").nth(1)
            target = str(link.get_attribute("href"))[1:]
            link.click()
            page.wait_for_function(f"Math.abs(document.getElementById('{target}').getBoundingClientRect().top) < 2")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(ARTEFACTS / f"newsletter-{width}.png"), full_page=True)
            page.close()
        browser.close()
    assert LOGO in asked and IMAGE in asked
