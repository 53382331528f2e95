"""French is the source language; an English catalogue proves another locale can be added."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from starlette.testclient import TestClient

from admin.web import LOCALES, WebContext
from core.model import Role
from core.settings import Settings
from storage.database import Database
from tests.seed import TAXONOMY, seed


@pytest.fixture
def web_settings() -> Settings:
    return Settings(taxonomy=TAXONOMY)  # the web context's services read it when they are built


def test_the_triage_page_in_english(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, db: Database
) -> None:
    web.settings.network.locale = "en"
    seed(db, web.clock.now())
    login(Role.ADMIN)
    page = client.get("/admin/items")
    assert page.status_code == 200 and '<html lang="en">' in page.text
    for english in ("Item triage", "Triage", "Sources", "Accounts", "closes in 3 days", "Approve", "Reject",
                    "Keyboard shortcuts", "6 items"):  # fmt: skip
        assert english in page.text, english
    assert "Tri des éléments" not in page.text and "clôture dans" not in page.text


def test_every_string_of_the_templates_is_in_the_catalogue_template() -> None:
    with (LOCALES / "messages.pot").open("rb") as fh:
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    for expected in ("Tri des éléments", "Financement", "Approuver", "Raccourcis clavier", "Comptes"):
        assert expected in ids


def test_the_english_catalogue_translates_navigation_and_triage() -> None:
    po = Path(LOCALES / "en" / "LC_MESSAGES" / "messages.po")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for msgid in ("Accueil", "Tri", "Sources", "Comptes", "Tri des éléments", "Approuver", "Écarter", "Filtrer"):
        message = catalog.get(msgid)
        assert message is not None and message.string, msgid
