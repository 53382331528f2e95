"""The report prints on one A4 page from a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from figures.report import render_report
from tests.figures.test_export_and_report import figures
from tests.live import CHROMIUM_ARGS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (scripts/install-system-deps)")
def test_the_report_prints_on_one_a4_page(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    html = "<!doctype html><meta charset=utf-8><title>Chiffres clés</title><body>" + render_report(
        figures(2), figures(1, 2025), network="RESACOOP", csv_url="c.csv", json_url="c.json"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html)
            pdf = page.pdf(format="A4", prefer_css_page_size=True)
            page.emulate_media(media="print")
            downloads_hidden = page.eval_on_selector(".cc-downloads", "e => getComputedStyle(e).display") == "none"
        finally:
            browser.close()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    assert downloads_hidden
