"""Migration 0008 over a database filled at the revision before it: each item's territory becomes one of its tags
(once), the column goes, and the triage filter, the segments and the key figures then read the same tags; each
item's title and summary are folded for text search."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import inspect, text

from storage.database import Database
from storage.items import ItemRepository
from storage.migrate import alembic_config, upgrade
from storage.triage import TriageQuery, find_page

BEFORE = "0008-1"  # the revision before 0008, whatever its number


ITEMS = [  # title, territory, tags
    ("Festisol à Lyon", "69", ["ecsi"]),
    ("Forum à Grenoble, déjà étiqueté", "38", ["38", "eau"]),
    ("Sans territoire", None, ["sante"]),
    ("Territoire vide", "", []),
]


def test_each_territory_becomes_a_tag_and_the_column_goes(empty_db: Database) -> None:
    db = empty_db
    upgrade(db, BEFORE)
    tags_value = "CAST(:tags AS JSONB)" if db.dialect == "postgresql" else ":tags"
    with db.engine.begin() as conn:
        for n, (title, territory, tags) in enumerate(ITEMS, start=1):
            conn.execute(
                text(
                    "INSERT INTO items (id, kind, title, summary, body_html, status, territory, tags, suggested_tags,"
                    f" featured, editor_note, field_origins) VALUES (:id, 'event', :title, '', '', 'new', :territory,"
                    f" {tags_value}, '[]', false, '', '{{}}')"
                ),
                {"id": n, "title": title, "territory": territory, "tags": json.dumps(tags)},
            )
    upgrade(db)
    assert "territory" not in {c["name"] for c in inspect(db.engine).get_columns("items")}
    with db.session() as s:
        repo = ItemRepository(s)
        assert [repo.get(n).tags for n in range(1, 5)] == [["ecsi", "69"], ["38", "eau"], ["sante"], []]
        # The triage's département filter reads the tags.
        assert [i.title for i in find_page(s, TriageQuery(territory="38")).items] == [ITEMS[1][0]]
        assert [i.title for i in find_page(s, TriageQuery(territory="69")).items] == [ITEMS[0][0]]
        # Existing items are found by text, case and accents aside: their folded text was filled in.
        assert [i.title for i in find_page(s, TriageQuery(text="FESTISOL a lyon")).items] == [ITEMS[0][0]]
        assert [i.title for i in find_page(s, TriageQuery(text="deja etiquete")).items] == [ITEMS[1][0]]

    command.downgrade(alembic_config(db), BEFORE)
    assert "territory" in {c["name"] for c in inspect(db.engine).get_columns("items")}
    upgrade(db)
