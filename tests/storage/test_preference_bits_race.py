"""Two processes giving a new preference value its bit at the same moment: the loser re-reads and carries on
(seen under load: concurrent sign-ups from two web workers)."""

from __future__ import annotations

from sqlalchemy import select

from storage.database import Database
from storage.subscribers import BitRegistry
from storage.tables import PreferenceBitRow


def test_a_bit_taken_meanwhile_by_another_process_is_reread(db: Database) -> None:
    with db.session() as slow:
        registry = BitRegistry(slow)  # read the (empty) bits before the other process writes
        with db.session() as fast:
            assert BitRegistry(fast).bit("streams", "newsletter") == 0
            fast.commit()
        assert registry.bit("streams", "emailing") == 1  # bit 0 was taken meanwhile: next free one
        assert registry.bit("streams", "newsletter") == 0  # and the other process's value is known now
        slow.commit()
    with db.session() as s:
        rows = {
            (r.slug, r.bit) for r in s.scalars(select(PreferenceBitRow).where(PreferenceBitRow.family == "streams"))
        }
    assert rows == {("newsletter", 0), ("emailing", 1)}
