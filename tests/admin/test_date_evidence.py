"""Editors see the sentence a date was read from: in the triage row (short, whole in its title) and the editor."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import timedelta

from starlette.testclient import TestClient

from admin.web import WebContext
from core.model import Item, ItemKind, Role
from storage.database import Database
from storage.items import ItemRepository

SENTENCE = (
    "La date limite de dépôt des candidatures est fixée au 21 mars 2027 à 23h59 (heure de Paris) <b>sans report</b>."
)


def add(web: WebContext, db: Database, title: str, origins: dict[str, str]) -> int:
    now = web.clock.now()
    with db.session() as s:
        item = ItemRepository(s).add(
            Item(kind=ItemKind.CALL, title=title, collected_at=now, deadline=now.date() + timedelta(days=30),
                 opening_date=now.date(), field_origins=origins)
        )  # fmt: skip
        s.commit()
    assert item.id is not None
    return item.id


def test_the_evidence_of_a_date_read_from_text_is_shown_and_escaped(
    web: WebContext, login: Callable[[Role], TestClient], db: Database
) -> None:
    editor = login(Role.EDITOR)
    read = add(
        web,
        db,
        "Appel lu dans le texte",
        {"deadline": f"text: {SENTENCE}", "opening_date": "text: Ouverture le 2 mars"},
    )
    given = add(web, db, "Appel d'une API", {"deadline": "json"})
    page = editor.get("/admin/items").text
    assert page.count("lu dans :") == 1  # the API's date has no sentence to show
    assert f'title="{html.escape(SENTENCE)}"' in page  # whole, escaped, in the title attribute
    assert "« La date limite de dépôt des candidatures est fixée au 21… »" in page and "<b>sans report" not in page
    text = editor.get(f"/admin/items/{read}").text
    assert f"Date limite lue dans : « {html.escape(SENTENCE)} »" in text
    assert "Ouverture lue dans : « Ouverture le 2 mars »" in text
    assert "lue dans" not in editor.get(f"/admin/items/{given}").text
