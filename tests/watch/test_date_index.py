"""The store step's date index hands fuzzy matching the same candidates as comparing an entry with every stored item
of its dates: grouping by the titles' numbers only skips items the rules would refuse."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from core.model import Item, ItemKind
from storage.collection import MatchKey
from watch.dedup import fuzzy_candidate
from watch.store import _DateIndex

WORDS = ["Appel à projets", "AMI", "Fonds", "eau potable", "lot", "session", "édition", "Sénégal", "jeunesse"]
NUMBERS = ["", "2026", "2027", "2026-2027", "3", "4", "n°12", "lot 2", "lot 3", "12 lots", "03", "1 000"]
DAYS = [date(2027, 3, 31) + timedelta(days=n) for n in range(3)]


def title(rnd: random.Random) -> str:
    parts = [*rnd.sample(WORDS, 2), rnd.choice(NUMBERS), rnd.choice(NUMBERS)]
    rnd.shuffle(parts)
    return " ".join(p for p in parts if p)


def variant(rnd: random.Random, stored: str) -> str:
    """Another source's title for a stored one: the same, cased or accented otherwise, renumbered, or new."""
    return rnd.choice([
        stored, stored.upper(), stored.replace("é", "e"), stored.replace("2027", "2026"), stored.replace("3", "4"),
        stored + " (rappel)", title(rnd),
    ])  # fmt: skip


def dates(rnd: random.Random) -> tuple[date | None, datetime | None]:
    deadline = rnd.choice([None, *DAYS])
    day = rnd.choice([None, *DAYS])
    return deadline, None if day is None else datetime(day.year, day.month, day.day, rnd.randrange(24), tzinfo=UTC)


def test_near_gives_every_candidate_that_comparing_all_would_accept_in_id_order() -> None:
    rnd = random.Random(20)
    keys = [MatchKey(n, title(rnd), *dates(rnd)) for n in range(1, 600)]
    index = _DateIndex(keys[:400])
    for k in keys[400:]:  # what a batch adds as it stores
        index.add(k)
    accepted = by_day = 0
    for _ in range(400):
        deadline, starts_at = dates(rnd)
        cand = Item(kind=ItemKind.CALL, title=variant(rnd, rnd.choice(keys).title), deadline=deadline,
                    starts_at=starts_at)  # fmt: skip
        near = index.near(cand)
        assert [k.id for k in near] == sorted({k.id for k in near})
        got = [k.id for k in near if fuzzy_candidate(k, cand)]
        every = [
            k.id
            for k in keys
            if ((cand.deadline is not None and k.deadline == cand.deadline)
                or (cand.starts_at and k.starts_at and k.starts_at.date() == cand.starts_at.date()))
            and fuzzy_candidate(k, cand)
        ]  # fmt: skip
        assert got == every, cand.title
        accepted += len(got)
        by_day += sum(1 for k in near if fuzzy_candidate(k, cand) and k.deadline != cand.deadline)
    assert accepted > 400 and by_day > 20  # the titles match often enough, by deadline and by start day


def test_an_entry_numbered_differently_is_not_compared_with_the_others() -> None:
    d = date(2027, 3, 31)
    keys = [MatchKey(n, f"Microprojets lot {n}", d, None) for n in range(1, 200)]
    keys.append(MatchKey(500, "Microprojets 2027", d, None))
    index = _DateIndex(keys)
    near = index.near(Item(kind=ItemKind.CALL, title="Microprojets lot 7", deadline=d))
    assert [k.id for k in near] == [7, 500]  # its own number, and the title without one
    assert len(index.near(Item(kind=ItemKind.CALL, title="Microprojets", deadline=d))) == 200
