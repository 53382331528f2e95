"""Backup and restore: a snapshot of every table and the outbox comes back identical, across engines."""

from __future__ import annotations

import tarfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.errors import InvalidInput, StorageError
from core.model import (
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
from core.settings import MailSettings, Settings
from relais.backup import backup, restore
from relais.wiring import Services
from storage.database import Database
from storage.issues import IssueRepository
from storage.items import ItemRepository
from storage.networks import FIRST_NETWORK
from storage.sources import SourceRepository
from storage.subscribers import SubscriberRepository
from storage.tables import Base, ConsentEventRow, DeliveryRow
from storage.users import UserRepository
from tests.conftest import PG_URL

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def fill(db: Database) -> None:
    with db.session() as s:
        src = SourceRepository(s).save(
            Source(name="AFD", url="https://afd.example/rss", kind=SourceKind.FEED, item_kind=ItemKind.FUNDING)
        )
        assert src.id is not None
        items = ItemRepository(s)
        ids = []
        for i in range(30):
            item = items.add(
                Item(
                    kind=ItemKind.CALL,
                    title=f"Appel à projets n°{i} — « Éducation à la citoyenneté »",
                    status=ItemStatus.APPROVED if i % 2 else ItemStatus.NEW,
                    collected_at=T0 + timedelta(hours=i),
                    approved_at=T0 + timedelta(days=1) if i % 2 else None,
                    deadline=date(2027, 1, 1) + timedelta(days=i),
                    tags=["ecsi", "69"],
                    sources=[ItemSource(source_id=src.id, source_item_id=f"g{i}", first_seen_at=T0)],
                )
            )
            assert item.id is not None
            ids.append(item.id)
            items.log(item.id, at=T0, actor="watch", action="collected", changes={"title": item.title})
        subs = SubscriberRepository(s)
        sub_ids = []
        for i in range(12):
            sub = subs.save(
                Subscriber(
                    email=f"abonné{i}@exemple.fr",
                    status=SubscriberStatus.CONFIRMED,
                    preferences=Preferences(themes=["ecsi"]),
                    created_at=T0,
                    confirmed_at=T0,
                )
            )
            assert sub.id is not None
            sub_ids.append(sub.id)
            s.add(ConsentEventRow(network_id=FIRST_NETWORK, subscriber_id=sub.id, email_hash="h" * 64, at=T0,
                                  action="confirm", origin="link", details={"ip": "127.0.0.1"}))  # fmt: skip
        issue = IssueRepository(s).save(
            Issue(
                kind=IssueKind.NEWSLETTER,
                number=1,
                title="RESA'CLIC n°1",
                subject="RESA'CLIC n°1",
                status=IssueStatus.SENT,
                sent_at=T0 + timedelta(days=3),
                entries=[IssueEntry(i, "funding", n) for n, i in enumerate(ids[:5])],
            )
        )
        for n, sid in enumerate(sub_ids):
            s.add(DeliveryRow(issue_id=issue.id, subscriber_id=sid, email=f"abonné{n}@exemple.fr", segment="abc",
                              message_id=f"<{n}@x>", status="accepted", attempts=1, smtp_code=250,
                              smtp_reply="2.0.0 Ok", finished_at=T0 + timedelta(days=3)))  # fmt: skip
        UserRepository(s).save(User(email="editrice@exemple.fr", role=Role.EDITOR, password_hash="x", created_at=T0))


def contents(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*pk))]
    return out


def services_for(db: Database, outbox: Path, clock: FrozenClock) -> Services:
    return Services(settings=Settings(mail=MailSettings(outbox_dir=str(outbox))), db=db, clock=clock)


def test_backup_then_restore_into_an_empty_database(db: Database, tmp_path: Path, clock: FrozenClock) -> None:
    fill(db)
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    (outbox / "1.eml").write_bytes(b"Subject: =?utf-8?q?RESA'CLIC?=\r\n\r\nBonjour\r\n")
    archive = tmp_path / "backup.tar.gz"
    manifest = backup(services_for(db, outbox, clock), archive)
    assert manifest["tables"]["items"] == 30 and manifest["outbox_files"] == 1

    target = Database(f"sqlite:///{tmp_path / 'restored.db'}")  # empty: not even migrated
    result = restore(services_for(target, tmp_path / "outbox2", clock), archive)
    assert result["tables"]["deliveries"] == 12
    assert contents(target) == contents(db)
    assert (tmp_path / "outbox2" / "1.eml").read_bytes() == (outbox / "1.eml").read_bytes()
    # identifiers continue after the restored ones
    with target.session() as s:
        new = ItemRepository(s).add(Item(kind=ItemKind.NEWS, title="après restauration"))
    assert new.id == 31
    target.dispose()


@pytest.mark.skipif(not PG_URL, reason="needs RELAIS_TEST_DATABASE_URL")
def test_sqlite_backup_restores_into_postgresql(tmp_path: Path, clock: FrozenClock, sqlite_template: Path) -> None:
    import shutil

    from tests.conftest import _truncate

    path = tmp_path / "src.db"
    shutil.copy(sqlite_template, path)
    source = Database(f"sqlite:///{path}")
    fill(source)
    archive = tmp_path / "b.tar.gz"
    backup(services_for(source, tmp_path / "none", clock), archive)
    target = Database(PG_URL)
    _truncate(target)
    restore(services_for(target, tmp_path / "o2", clock), archive)
    assert contents(target) == contents(source)
    with target.session() as s:
        assert ItemRepository(s).add(Item(kind=ItemKind.NEWS, title="x")).id == 31  # sequences were reset
    _truncate(target)
    target.dispose()
    source.dispose()


def test_restore_refuses_a_non_empty_database(db: Database, tmp_path: Path, clock: FrozenClock) -> None:
    fill(db)
    archive = tmp_path / "b.tar.gz"
    svc = services_for(db, tmp_path / "o", clock)
    backup(svc, archive)
    with pytest.raises(StorageError, match="not empty"):
        restore(svc, archive)


def test_restore_refuses_garbage(tmp_path: Path, clock: FrozenClock) -> None:
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"not a tarball")
    target = Database(f"sqlite:///{tmp_path / 't.db'}")
    with pytest.raises(InvalidInput, match="not a Relais backup"):
        restore(services_for(target, tmp_path / "o", clock), bad)
    with pytest.raises(InvalidInput, match="no such backup file"):
        restore(services_for(target, tmp_path / "o", clock), tmp_path / "absent.tar.gz")
    truncated = tmp_path / "truncated.tar.gz"
    with tarfile.open(truncated, "w:gz") as tar:
        tar.add(__file__, arcname="something.py")
    with pytest.raises(InvalidInput, match="not a Relais backup"):
        restore(services_for(target, tmp_path / "o", clock), truncated)
    target.dispose()
