"""A staff member in Debian's Chromium (Playwright), against a real uvicorn on 127.0.0.1: builds a newsletter,
previews it at desktop and mobile widths, sends a test copy, confirms, and watches the progress reach the end."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from admin.accounts import add_user
from admin.app import create_app
from core.clock import FrozenClock
from core.model import Role
from delivery.mailers.base import SendResult, Verdict
from delivery.mailers.memory import MemoryMailer
from relais.web import build_web_context
from storage.database import Database
from tests.admin.issue_world import add_subscribers, approved_calls, sending, settings
from tests.live import CHROMIUM_ARGS, serving

pytestmark = pytest.mark.browser
ARTEFACTS = Path(__file__).parents[1] / "artefacts"
PASSWORD = "correct horse battery"


@pytest.fixture
def server(db: Database, clock: FrozenClock, tmp_path: Path) -> Iterator[tuple[str, MemoryMailer]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def slow(_recipient: str) -> SendResult:
        time.sleep(0.4)  # a relay that takes its time: the page shows the send under way, and htmx completes it
        return SendResult(Verdict.ACCEPTED, 250, "2.0.0 Ok")

    mailer = MemoryMailer(answer=slow, concurrency=1)
    local = settings(tmp_path)
    seam = sending(db, clock, local, mailer)
    ctx = build_web_context(local, db, clock, secret_key="browser", sending=seam)
    add_user(db, "equipe@resacoop.example", Role.STAFF, PASSWORD, now=clock.now())
    with serving(create_app(ctx), port):
        yield f"http://127.0.0.1:{port}", mailer
        seam.close()


@pytest.fixture
def page(server: tuple[str, MemoryMailer]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 2200})
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def test_staff_build_preview_and_send_a_newsletter(
    page: Any, server: tuple[str, MemoryMailer], db: Database, clock: FrozenClock
) -> None:
    from playwright.sync_api import expect

    base, mailer = server
    approved_calls(db, clock)
    add_subscribers(db, 6)
    page.goto(f"{base}/admin/issues")
    page.get_by_label("Adresse e-mail").fill("equipe@resacoop.example")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    page.get_by_role("link", name="Préparer une lettre ou un emailing").click()
    page.get_by_label("Éditorial").fill("Bonne lecture à toutes et à tous !")
    page.get_by_role("button", name="Créer le brouillon de la lettre").click()
    expect(page.get_by_role("status").first).to_contain_text("Brouillon créé")
    page.get_by_role("button", name="Descendre « Micro-projets solidaires »").click()  # closing soonest: first
    expect(page.get_by_role("status").first).to_contain_text("Ordre mis à jour")

    page.get_by_role("link", name="Tailles, contrôles et aperçus par segment").click()
    expect(page.get_by_role("cell", name="conforme")).to_be_visible()
    page.get_by_role("link", name="Aperçu", exact=True).click()
    desktop = page.frame_locator("iframe[title='Aperçu ordinateur']")
    expect(desktop.get_by_text("Fonds eau et assainissement").first).to_be_visible()
    mobile = page.frame_locator("iframe[title='Aperçu mobile']")
    expect(mobile.get_by_text("Micro-projets solidaires").first).to_be_visible()
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "issue-preview.png"), full_page=True)

    page.goto(f"{base}/admin/issues")
    page.get_by_role("link", name="RESA'CLIC n°1").click()
    page.get_by_role("link", name="Tester puis envoyer…").click()
    page.get_by_label("Adresses de test").fill("relecture@resacoop.example")
    page.get_by_role("button", name="Envoyer une copie de test").click()
    expect(page.locator("#audience-total")).to_have_text("6")
    page.get_by_label("J'envoie ce numéro à 6 destinataire(s)").check()
    page.get_by_role("button", name="Confirmer l'envoi").click()
    expect(page.get_by_role("status").first).to_contain_text("Envoi lancé")
    progress = page.locator("#progress")
    expect(progress).to_have_attribute("hx-trigger", "every 2s")  # still sending when the page came back
    expect(progress).to_contain_text("6 / 6 terminés (100 %)", timeout=20_000)  # htmx polling, no reload
    assert sorted(m.recipient for m in mailer.sent) == sorted(
        ["relecture@resacoop.example", *(f"membre{i}@asso{i}.fr" for i in range(6))]
    )
    page.get_by_role("link", name="Journal d'envoi").click()
    expect(page.get_by_text("6 ligne(s)")).to_be_visible()
