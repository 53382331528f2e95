"""The triage query: each filter selects exactly the rows it names, whatever shortcut the engine takes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.model import Item, ItemKind, ItemStatus, SuggestedTag
from storage.database import Database
from storage.items import ItemRepository
from storage.triage import TriageQuery, find_page, ids_matching

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def add(db: Database, title: str, **fields: object) -> None:
    with db.session() as s:
        ItemRepository(s).add(Item(kind=ItemKind.CALL, title=title, collected_at=NOW, **fields))  # type: ignore[arg-type]


def titles(db: Database, q: TriageQuery) -> list[str]:
    with db.session() as s:
        return sorted(i.title for i in find_page(s, q).items)


def test_a_tag_matches_whole_slugs_in_the_tags_only(db: Database) -> None:
    add(db, "eau", tags=["sante", "eau"])
    add(db, "eaux", tags=["eaux"])
    add(db, "suggested", suggested_tags=[SuggestedTag("eau", "mot-clé « eau »")])
    add(db, "accented", tags=["éducation"])
    assert titles(db, TriageQuery(tag="eau")) == ["eau"]
    assert titles(db, TriageQuery(tag="éducation")) == ["accented"]


def test_the_count_and_the_rows_agree_with_every_filter_together(db: Database) -> None:
    today = date(2027, 3, 1)
    for n in range(30):
        add(db, f"n{n:02}", tags=["69" if n % 2 else "38"], deadline=today + timedelta(days=n),
            status=ItemStatus.NEW if n % 3 else ItemStatus.APPROVED)  # fmt: skip
    q = TriageQuery(kind=ItemKind.CALL, territory="69", deadline_from=today, deadline_to=today + timedelta(days=20))
    with db.session() as s:
        page = find_page(s, q)
    expected = [f"n{n:02}" for n in range(21) if n % 2 and n % 3]
    assert sorted(i.title for i in page.items) == expected and page.total == len(expected)


def test_a_page_past_the_last_still_counts_and_the_ids_come_newest_first(db: Database) -> None:
    for n in range(3):
        with db.session() as s:
            ItemRepository(s).add(Item(kind=ItemKind.JOB, title=f"n{n}", collected_at=NOW + timedelta(hours=n)))
    with db.session() as s:
        past = find_page(s, TriageQuery(kind=ItemKind.JOB, page=4, per_page=2))
        ids = ids_matching(s, TriageQuery(kind=ItemKind.JOB), limit=2)
        newest = find_page(s, TriageQuery(kind=ItemKind.JOB, per_page=2))
    assert past.rows == [] and past.total == 3 and not past.has_next
    assert [i.title for i in newest.items] == ["n2", "n1"] and newest.has_next
    assert ids == [i.id for i in newest.items]


def test_text_search_ignores_case_and_accents(db: Database) -> None:
    add(db, "Éducation à la citoyenneté mondiale")
    add(db, "Appel", summary="Un appel pour l'éducation populaire et l'ŒUVRE commune")
    add(db, "Hélène Martin rejoint l'équipe")
    add(db, "Formation")
    both = ["Appel", "Éducation à la citoyenneté mondiale"]
    for text in ("éducation", "Éducation", "ÉDUCATION", "education", "EDUCATION"):
        assert titles(db, TriageQuery(status=None, text=text)) == both, text
    assert titles(db, TriageQuery(status=None, text="helene")) == ["Hélène Martin rejoint l'équipe"]
    assert titles(db, TriageQuery(status=None, text="oeuvre")) == ["Appel"]
