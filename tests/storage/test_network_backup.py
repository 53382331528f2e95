"""One network's backup and restore: the archive holds its rows and none of another network's; restoring it brings
the network back exactly as it was and leaves every other network's rows, including those written since, as they
are; on a conflict nothing changes. On both engines."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, update

from core.errors import StorageError
from core.model import (
    BounceKind,
    ConsentAction,
    ConsentOrigin,
    Issue,
    IssueEntry,
    IssueKind,
    IssueStatus,
    Item,
    ItemKind,
    ItemSource,
    ItemStatus,
    Preferences,
    Role,
    Source,
    SourceKind,
    Subscriber,
    SubscriberStatus,
    User,
)
from storage import network_backup
from storage.database import Database
from storage.issues import IssueRepository
from storage.items import ItemRepository
from storage.migrate import upgrade
from storage.network_backup import OUTSIDE, Part, plan
from storage.networks import FIRST_NETWORK, Declared, NetworkRepository
from storage.sources import SourceRepository
from storage.subscribers import SubscriberRepository
from storage.tables import Base, DeliveryRow, ItemRow
from storage.users import UserRepository
from tests.relais.test_backup import contents
from tests.storage.test_networks import T0, two_networks


def fill(db: Database, network: int, tag: str, shared_source: int) -> None:
    """A network's month: its own source and the shared one, items, subscribers with their consent and bounces, a
    sent newsletter with its deliveries, an editor."""
    with db.for_network(network).session() as s:
        own = SourceRepository(s).save(
            Source(
                name=f"Agenda {tag}",
                url=f"https://{tag}.example/agenda.ics",
                kind=SourceKind.ICAL,
                item_kind=ItemKind.EVENT,
            )
        )
        assert own.id is not None
        items = ItemRepository(s)
        ids = []
        for i in range(4):
            item = items.add(
                Item(
                    kind=ItemKind.CALL,
                    title=f"Appel {tag} n°{i}",
                    status=ItemStatus.APPROVED if i % 2 else ItemStatus.NEW,
                    collected_at=T0 + timedelta(hours=i),
                    deadline=date(2027, 1, 1) + timedelta(days=i),
                    tags=["ecsi"],
                    sources=[
                        ItemSource(
                            source_id=shared_source if i < 2 else own.id, source_item_id=f"{tag}{i}", first_seen_at=T0
                        )
                    ],
                )
            )
            assert item.id is not None
            ids.append(item.id)
            items.log(item.id, at=T0, actor="watch", action="collected", changes={"title": item.title})
        subs = SubscriberRepository(s, network)
        sub_ids = []
        for i in range(3):
            sub = subs.save(
                Subscriber(
                    email=f"abonne{i}@{tag}.example",
                    status=SubscriberStatus.CONFIRMED,
                    preferences=Preferences(themes=["ecsi", tag]),
                    created_at=T0,
                    confirmed_at=T0,
                )
            )
            assert sub.id is not None
            sub_ids.append(sub.id)
            subs.log(sub, ConsentAction.CONFIRM, ConsentOrigin.LINK, T0)
        issue = IssueRepository(s).save(
            Issue(
                kind=IssueKind.NEWSLETTER,
                number=1,
                title=f"Lettre {tag} n°1",
                subject=f"Lettre {tag} n°1",
                status=IssueStatus.SENT,
                sent_at=T0,
                entries=[IssueEntry(i, "call", n) for n, i in enumerate(ids)],
            )
        )
        deliveries = []
        for n, sid in enumerate(sub_ids):
            row = DeliveryRow(
                issue_id=issue.id,
                subscriber_id=sid,
                email=f"abonne{n}@{tag}.example",
                segment="s",
                message_id=f"<{tag}{n}@x>",
                status="accepted",
                attempts=1,
                smtp_code=250,
                smtp_reply="2.0.0 Ok",
                finished_at=T0,
            )
            s.add(row)
            deliveries.append(row)
        s.flush()
        subs.add_bounce(sub_ids[0], BounceKind.SOFT, "smtp", f"boîte pleine ({tag})", T0, delivery_id=deliveries[0].id)
        UserRepository(s).save(
            User(email=f"editrice@{tag}.example", role=Role.EDITOR, password_hash="x", created_at=T0)
        )


@pytest.fixture
def deployment(db: Database) -> tuple[Database, int, int]:
    a, b = two_networks(db)
    with db.session() as s:
        shared = SourceRepository(s).save(
            Source(name="AFD", url="https://afd.example/rss", kind=SourceKind.FEED, item_kind=ItemKind.FUNDING)
        )
    assert shared.id is not None
    fill(db, a, "resacoop", shared.id)
    fill(db, b, "centraider", shared.id)
    return db, a, b


class Archive:
    """An archive's tables in memory, as the command's ``.tar.gz`` holds them in files."""

    def __init__(self) -> None:
        self.files: dict[str, io.StringIO] = {}
        self.manifest: dict[str, Any] = {}

    def open_for_writing(self, name: str) -> IO[str]:
        out = self.files[name] = _Kept()
        return out

    def open_for_reading(self, name: str) -> Iterator[str]:
        return iter(self.files[name].getvalue().splitlines(keepends=True))

    def text(self, *, but: str) -> str:
        return "".join(f.getvalue() for name, f in self.files.items() if name != but)


class _Kept(io.StringIO):
    def close(self) -> None:  # keep the text once the writer is done
        pass


def backup(db: Database, network: int, slug: str) -> Archive:
    archive = Archive()
    archive.manifest = network_backup.dump(db, network, slug, archive.open_for_writing)
    json.dumps(archive.manifest)  # what the command writes
    return archive


def restore(db: Database, network: int, archive: Archive) -> dict[str, int]:
    return network_backup.restore(db, network, archive.manifest, archive.open_for_reading)


def test_every_table_is_placed() -> None:
    placed = {scope.table.name for scope in plan(2)}
    assert placed | OUTSIDE == set(Base.metadata.tables)
    assert {s.key for s in plan(2) if s.part is Part.SHARED} == {
        "users.shared",
        "preference_bits.shared",
        "sources.shared",
    }
    orphan = Table("orphan", MetaData(), Column("id", Integer, primary_key=True))
    with pytest.raises(StorageError) as caught:
        network_backup._through_parent(orphan, 2)
    assert caught.value.code == "backup_unplaced_table"


def test_the_archive_holds_the_network_and_nothing_of_the_other(deployment: tuple[Database, int, int]) -> None:
    db, _a, b = deployment
    archive = backup(db, b, "centraider")
    tables = archive.manifest["tables"]
    assert archive.manifest["network"] == {"slug": "centraider", "id": b}
    assert tables["subscribers"] == 3 and tables["items"] == 4 and tables["deliveries"] == 3
    assert tables["bounces"] == 1 and tables["consent_events"] == 3 and tables["item_events"] == 4
    assert tables["sources"] == 1 and tables["sources.shared"] == 1 and tables["users.shared"] == 1
    assert tables["network_members"] == 1 and tables["issue_items"] == 4
    rows = archive.text(but="preference_bits.shared")  # the bits are every network's: themes are shared
    assert "centraider.example" in rows and "resacoop" not in rows


def test_restoring_brings_the_network_back_and_leaves_the_other_as_it_is(
    deployment: tuple[Database, int, int],
) -> None:
    db, a, b = deployment
    before = contents(db)
    archive = backup(db, b, "centraider")
    # Centraider's editor makes a mess after the backup...
    with db.for_network(b).session() as s:
        s.execute(update(ItemRow).where(ItemRow.network_id == b).values(title="effacé par erreur"))
        SubscriberRepository(s, b).save(Subscriber(email="apres@centraider.example", created_at=T0))
    # ...while RESACOOP goes on working: a new subscriber
    with db.for_network(a).session() as s:
        kept = SubscriberRepository(s, a).save(Subscriber(email="nouvelle@resacoop.example", created_at=T0))
    assert network_backup.owns_rows(db, b)

    restore(db, b, archive)

    after = contents(db)
    after["subscribers"] = [row for row in after["subscribers"] if row[0] != kept.id]
    assert after == before  # Centraider exactly as archived; RESACOOP's rows untouched, its new one kept
    with db.for_network(b).session() as s:  # identifiers go on after every restored one
        new = SubscriberRepository(s, b).save(Subscriber(email="ensuite@centraider.example", created_at=T0))
    assert new.id is not None and new.id > max(row[0] for row in before["subscribers"])


def test_a_conflict_changes_nothing(deployment: tuple[Database, int, int], tmp_path: Path) -> None:
    db, _a, b = deployment
    archive = backup(db, b, "centraider")
    target = Database(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(target)
    with target.session() as s:  # another deployment where that address is already someone else's account
        UserRepository(s).save(User(email="editrice@centraider.example", role=Role.ADMIN, password_hash="y"))
    before = contents(target)
    with pytest.raises(StorageError) as caught:
        restore(target, FIRST_NETWORK, archive)
    assert caught.value.code == "network_restore_conflict"
    assert contents(target) == before
    target.dispose()


def test_a_network_moves_to_a_deployment_of_its_own(deployment: tuple[Database, int, int], tmp_path: Path) -> None:
    db, _a, b = deployment
    archive = backup(db, b, "centraider")
    target = Database(f"sqlite:///{tmp_path / 'own.db'}")
    upgrade(target)
    with target.session() as s:
        assert NetworkRepository(s).sync([Declared("centraider", "Centraider")], T0) == {"centraider": FIRST_NETWORK}
    counts = restore(target, FIRST_NETWORK, archive)
    assert counts["subscribers"] == 3 and counts["sources.shared"] == 1
    with target.session() as s:  # the first network of its new home, with its subscribers, items and editor
        subs = SubscriberRepository(s, FIRST_NETWORK).find(status=SubscriberStatus.CONFIRMED)
        assert sorted(x.email for x in subs) == [f"abonne{i}@centraider.example" for i in range(3)]
        assert [sorted(sub.preferences.themes) for sub in subs] == [["centraider", "ecsi"]] * 3
        assert ItemRepository(s).count(status=ItemStatus.NEW) == 2
        assert [u.email for u in UserRepository(s).find()] == ["editrice@centraider.example"]
    target.dispose()


def test_restoring_needs_the_same_schema(deployment: tuple[Database, int, int]) -> None:
    db, _a, b = deployment
    archive = backup(db, b, "centraider")
    archive.manifest["revision"] = "0001"
    with pytest.raises(StorageError) as caught:
        restore(db, b, archive)
    assert caught.value.code == "network_restore_revision"


def test_other_preference_bits_are_refused(deployment: tuple[Database, int, int], tmp_path: Path) -> None:
    db, _a, b = deployment
    archive = backup(db, b, "centraider")
    target = Database(f"sqlite:///{tmp_path / 'bits.db'}")
    upgrade(target)
    with target.session() as s:  # its first theme is another one: the archived masks would mean other themes
        SubscriberRepository(s, FIRST_NETWORK).save(
            Subscriber(email="x@ailleurs.example", preferences=Preferences(themes=["sante"]), created_at=T0)
        )
    before = contents(target)
    with pytest.raises(StorageError) as caught:
        restore(target, FIRST_NETWORK, archive)
    assert caught.value.code == "network_restore_bits"
    assert contents(target) == before
    target.dispose()
