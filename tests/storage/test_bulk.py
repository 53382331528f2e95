"""Bulk inserts (COPY's text format on PostgreSQL, executemany on SQLite) keep every character as it was given."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.model import Item, ItemKind, ItemSource
from storage.bulk import copy_text
from storage.database import Database
from storage.items import ItemRepository
from storage.sources import SourceRepository
from tests.seed import seed

AWKWARD = [
    "C:\\dossier\\appel.pdf",  # backslashes
    "titre\tavec\ttabulations",
    "ligne 1\nligne 2\r\nligne 3\rfin",
    "\\N",  # COPY's NULL marker, as text
    "\\t n'est pas une tabulation \\\\ ni \\n un saut",
    "« Appel à projets » — 2027 : l'eau, l’école",
    "",
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "\\N"),
        ("a\\b\tc\nd\re", "a\\\\b\\tc\\nd\\re"),
        ("\\N", "\\\\N"),
        (True, "t"),
        ({"clé": "a\nb"}, '{"clé": "a\\\\nb"}'),
        (12, "12"),
    ],
)
def test_copy_text_escapes_what_copy_reads_as_special(value: object, expected: str) -> None:
    assert copy_text(value) == expected


def test_copy_text_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="naive"):
        copy_text(datetime(2027, 1, 1))  # a naive datetime: the point of the test


def test_items_added_in_bulk_read_back_character_for_character(db: Database) -> None:
    now = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
    seed(db, now)
    with db.session() as s:
        src = SourceRepository(s).find()[0]
        assert src.id is not None
        items = [
            Item(kind=ItemKind.CALL, title=value or "sans titre", summary=value, body_html=f"<p>{value}</p>",
                 collected_at=now, pending_update={"title": value},
                 sources=[ItemSource(src.id, f"awkward-{n}", first_seen_at=now, last_seen_at=now, title=value)])
            for n, value in enumerate(AWKWARD)
        ]  # fmt: skip
        ItemRepository(s).add_many(items)
        ids = [item.id for item in items]
    assert all(ids)
    with db.session() as s:
        stored = ItemRepository(s).get_many([i for i in ids if i is not None])
    for item, value in zip(items, AWKWARD, strict=True):
        assert item.id is not None
        back = stored[item.id]
        assert (back.title, back.summary, back.body_html) == (value or "sans titre", value, f"<p>{value}</p>")
        assert back.pending_update == {"title": value}
        assert back.sources[0].title == value
