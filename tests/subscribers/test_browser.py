"""The public pages in Debian's Chromium (Playwright), against a real uvicorn server on 127.0.0.1, with the
system emails caught by a test SMTP server: what a person does, keyboard and mouse, without JavaScript."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from admin.app import create_app
from core.clock import FrozenClock
from core.model import Stream, SubscriberStatus
from core.settings import Settings
from relais.web import build_web_context
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.kit import make_kit
from subscribers.mailer import SystemEmailRenderer
from tests.live import CHROMIUM_ARGS, serving
from tests.subscribers.system_mail import smtp_system_mailer

pytestmark = pytest.mark.browser


@pytest.fixture
def server(db: Database, clock: FrozenClock, settings: Settings, smtp_server: Any) -> Iterator[tuple[str, Any]]:
    """The app on a free port; links in emails point at it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    local = Settings(network=settings.network.__class__(**{**_fields(settings.network), "base_url": base}),
                     taxonomy=settings.taxonomy)  # fmt: skip
    caught, smtp_port = smtp_server
    mailer = smtp_system_mailer(SystemEmailRenderer(local.network), smtp_port, clock)
    kit = make_kit(db, clock, local, "browser-secret-" + "k" * 30, mailer)
    ctx = build_web_context(local, db, clock, secret_key="s", subscribers=kit)
    with serving(create_app(ctx), port):
        yield base, caught


def _fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


@pytest.fixture
def page(server: tuple[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(java_script_enabled=False, locale="fr-FR")
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def person(db: Database) -> Any:
    with db.session() as s:
        return SubscriberRepository(s).by_email("camille@exemple.fr")


def test_a_person_subscribes_confirms_chooses_and_leaves(page: Any, server: tuple[str, Any], db: Database) -> None:
    base, caught = server
    page.goto(f"{base}/subscribe")
    assert page.title().startswith("S'inscrire")
    page.get_by_label("Adresse e-mail").fill("Camille@Exemple.fr")
    page.get_by_role("textbox", name="Nom").fill("Camille")
    page.get_by_label("Type d'organisation").select_option("local_authority")
    page.get_by_label("Eau et assainissement").check()
    page.get_by_label("Rhône").check()
    page.get_by_role("button", name="Je m'inscris").click()
    assert page.get_by_role("heading", name="Vérifiez votre messagerie").is_visible()
    assert person(db).status == SubscriberStatus.PENDING

    page.goto(caught.link("Confirmez", rf"{base}/confirm/\S+"))
    assert person(db).status == SubscriberStatus.PENDING  # opening the link is not enough
    page.get_by_role("button", name="Je confirme mon inscription").click()
    assert page.get_by_role("heading", name="Inscription confirmée").is_visible()
    assert person(db).status == SubscriberStatus.CONFIRMED and person(db).preferences.territories == ["69"]

    page.goto(caught.link("Bienvenue", rf"{base}/preferences/\S+"))
    assert page.get_by_label("Eau et assainissement").is_checked()
    page.get_by_label("Les emailings thématiques").uncheck()
    page.get_by_label("Santé", exact=True).check()
    page.get_by_role("button", name="Enregistrer mes préférences").click()
    assert page.get_by_role("status").first.is_visible()
    assert person(db).preferences.streams == [Stream.NEWSLETTER] and "sante" in person(db).preferences.themes

    page.goto(caught.link("Bienvenue", rf"{base}/unsubscribe/\S+"))
    page.get_by_role("button", name="Me désinscrire de tous les envois").click()
    assert page.get_by_role("heading", name="Désinscription enregistrée").is_visible()
    assert person(db).status == SubscriberStatus.UNSUBSCRIBED


def test_a_forged_link_shows_a_clear_page(page: Any, server: tuple[str, Any]) -> None:
    base, _ = server
    response = page.goto(f"{base}/preferences/forged")
    assert response.status == 400
    assert "Lien refusé" in page.content()


def test_bad_address_keeps_what_was_typed(page: Any, server: tuple[str, Any]) -> None:
    base, _ = server
    page.goto(f"{base}/subscribe")
    # The browser's own check would stop "a@b"; a server-side refusal must read as clearly.
    page.get_by_label("Adresse e-mail").fill("camille@exemple")
    page.get_by_role("textbox", name="Nom").fill("Camille")
    page.get_by_role("button", name="Je m'inscris").click()
    assert page.get_by_role("alert").inner_text().startswith("adresse électronique invalide")
    assert page.get_by_role("textbox", name="Nom").input_value() == "Camille"


def test_export_and_erase_from_the_preferences_page(page: Any, server: tuple[str, Any], db: Database) -> None:
    base, caught = server
    page.goto(f"{base}/subscribe")
    page.get_by_label("Adresse e-mail").fill("camille@exemple.fr")
    page.get_by_role("button", name="Je m'inscris").click()
    page.goto(caught.link("Confirmez", rf"{base}/confirm/\S+"))
    page.get_by_role("button", name="Je confirme mon inscription").click()
    page.goto(caught.link("Bienvenue", rf"{base}/preferences/\S+"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger mes données (JSON)").click()
    assert b"camille@exemple.fr" in Path(download.value.path()).read_bytes()
    page.get_by_role("link", name="Effacer mes données").click()
    page.get_by_role("button", name="Effacer définitivement mes données").click()
    assert page.get_by_role("heading", name="Vos données sont effacées").is_visible()
    assert person(db) is None
