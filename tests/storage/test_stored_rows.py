"""Rows selected undecoded compare as tuples and decode to exactly what the ORM reads."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from core.model import Item, ItemKind, ItemSource, SuggestedTag
from storage.database import Database
from storage.items import ItemRepository
from storage.sources import SourceRepository
from storage.stored_rows import StoredColumns
from storage.tables import ItemRow, ItemSourceRow
from tests.seed import seed


def test_decoded_rows_equal_the_orm_values(db: Database) -> None:
    now = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
    seed(db, now)
    with db.session() as s:
        src = SourceRepository(s).find()[0]
        assert src.id is not None
        ItemRepository(s).add(Item(
            kind=ItemKind.EVENT, title="Tout rempli", collected_at=now, starts_at=now, deadline=date(2027, 4, 1),
            tags=["eau"], suggested_tags=[SuggestedTag("sante", "« santé »")], featured=True,
            pending_update={"title": "Nouveau"}, field_origins={"title": "editor"},
            sources=[ItemSource(src.id, "uid-1", official=True, first_seen_at=now, last_seen_at=now)],
        ))  # fmt: skip
    for table in (ItemRow.__table__, ItemSourceRow.__table__):
        stored = StoredColumns(table, db.engine.dialect)  # type: ignore[arg-type]
        with db.session() as s:
            raw = s.execute(select(*stored.columns).order_by(table.c.id)).all()
            typed = s.execute(select(*table.columns).order_by(table.c.id)).all()
        assert len(raw) == len(typed) > 1
        for r, t in zip(raw, typed, strict=True):
            hash(tuple(r))  # comparable as they come: JSON stays text
            assert stored.decode(r) == dict(t._mapping)
