"""An editor's morning in a real browser: log in, triage with the keyboard, tag, approve, add a source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.model import ItemStatus
from storage.items import ItemRepository
from storage.sources import SourceRepository
from tests.browser.conftest import PASSWORD, Server

pytestmark = pytest.mark.browser
ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"


def log_in(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/admin/items")
    page.fill("#email", "editrice@example.org")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{server.url}/admin/items")


def test_triage_with_the_keyboard(page: Any, server: Server) -> None:
    log_in(page, server)
    rows = page.locator("tr.item-row")
    assert rows.count() == 6
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "triage-keyboard.png"), full_page=True)

    page.keyboard.press("j")  # first row: the newest
    first_id = int(rows.nth(0).get_attribute("data-id"))
    second_id = int(rows.nth(1).get_attribute("data-id"))
    assert "current" in rows.nth(0).get_attribute("class")
    page.keyboard.press("a")  # approve it; the next row becomes current
    page.wait_for_selector(f"#item-{first_id}.status-approved")
    page.keyboard.press("r")
    page.wait_for_selector(f"#item-{second_id}.status-rejected")
    assert "current" in page.locator("tr.item-row").nth(2).get_attribute("class")
    page.keyboard.press("k")
    assert "current" in page.locator(f"#item-{second_id}").get_attribute("class")

    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("?")
    assert not page.locator("#help").is_visible()

    with server.db.session() as s:
        repo = ItemRepository(s)
        assert repo.get(first_id).status is ItemStatus.APPROVED
        assert repo.get(second_id).status is ItemStatus.REJECTED
        assert repo.events(first_id)[0]["actor"] == "editrice@example.org"
    assert page.url == f"{server.url}/admin/items"  # no reload: htmx swapped the rows


def test_edit_tags_then_approve(page: Any, server: Server) -> None:
    log_in(page, server)
    target = server.ids[2]  # the water meeting in Lyon
    page.keyboard.press("j")
    for _ in range(3):
        page.keyboard.press("j")  # newest first: ids[2] is the 4th row
    assert page.locator("tr.item-row.current").get_attribute("data-id") == str(target)
    page.keyboard.press("e")
    page.wait_for_url(f"{server.url}/admin/items/{target}")
    page.check("input[name=tags][value=afrique]")
    page.uncheck("input[name=tags][value=eau]")
    page.check("input[name=tags][value=associations]")
    page.check("input[name=featured]")
    page.click("form.item-form button.primary")
    page.wait_for_selector("text=Modifications enregistrées.")
    page.click("aside button.approve")
    page.wait_for_url(f"{server.url}/admin/items/{target}")
    assert "approuvé" in page.locator("ol.history").inner_text()
    with server.db.session() as s:
        item = ItemRepository(s).get(target)
    # Every family is a box of the form, in its order; the département (a tag) is kept.
    assert item.tags == ["afrique", "69", "associations"] and item.featured and item.status is ItemStatus.APPROVED


def test_decline_a_suggestion_with_one_key_then_approve(page: Any, server: Server) -> None:
    log_in(page, server)
    target = server.ids[1]  # the Festisol call, suggested « ecsi »: the 5th row, newest first
    for _ in range(5):
        page.keyboard.press("j")
    assert page.locator("tr.item-row.current").get_attribute("data-id") == str(target)
    assert page.locator(f"#item-{target} .suggestions").count() == 1
    page.keyboard.press("d")  # decline it; the row stays current
    page.wait_for_selector(f"#item-{target}:not(:has(.suggestions))")
    assert page.locator("tr.item-row.current").get_attribute("data-id") == str(target)
    page.keyboard.press("a")
    page.wait_for_selector(f"#item-{target}.status-approved")
    other = server.ids[0]  # its suggestion « afrique » was not declined: approving accepts it, shown as a tag
    page.click(f"#item-{other} button[data-action=approve]")
    page.wait_for_selector(f"#item-{other}.status-approved")
    assert "Afrique subsaharienne" in page.locator(f"#item-{other} span.tag:not(.suggested)").all_inner_texts()
    with server.db.session() as s:
        repo = ItemRepository(s)
        declined, accepted = repo.get(target), repo.get(other)
    assert declined.tags == ["38"] and declined.suggested_tags == []
    assert accepted.tags == ["associations", "69", "afrique"]


def test_add_a_source_after_seeing_its_preview(page: Any, server: Server) -> None:
    log_in(page, server)
    page.click("nav >> text=Sources")
    page.click("text=Ajouter une source")  # starts from an address to discover; the form is a click away
    page.click("text=Remplir le formulaire à la main")
    page.fill("#name", "France Volontaires — offres")
    page.fill("#url", "https://www.france-volontaires.org/offres.rss")
    page.select_option("#item_kind", "job")
    page.fill("#every", "12h")
    page.click("button[value=preview]")
    page.wait_for_selector("text=Aperçu : 2 éléments")
    assert "Volontariat de solidarité internationale au Bénin" in page.locator(".preview").inner_text()
    page.click("button[value=save]")
    page.wait_for_url(f"{server.url}/admin/sources")
    assert "France Volontaires — offres" in page.locator("table.sources").inner_text()
    with server.db.session() as s:
        assert SourceRepository(s).by_name("France Volontaires — offres").every_seconds == 12 * 3600
