"""What holds people's data or secrets is created readable by Relais's user only, whatever the umask.

The threat: another account on the server (a shell user, a compromised service) reads the SQLite database
(addresses, consent log, password hashes), the outbox (every message with its personal links), a backup, or
the secret key (which signs sessions and subscribers' links).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from core.clock import FrozenClock
from core.settings import MailSettings, Settings
from delivery.mailers.outbox import OutboxMailer
from relais.backup import backup, restore
from relais.wiring import Services
from storage.database import Database
from storage.migrate import upgrade

MESSAGE = b"Message-ID: <abc.1@lettre.example.org>\r\nSubject: Bonjour\r\n\r\nVotre lien : https://x/p/secret\r\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The common default (0o022 makes 0644 files and 0755 folders) rather than whatever runs the tests."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_sqlite_database_is_0600_in_a_0700_folder(tmp_path: Path) -> None:
    path = tmp_path / "var" / "relais.db"
    db = Database(f"sqlite:///{path}")
    try:
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        assert mode(path.parent) == 0o700
        assert mode(path) == 0o600
        wal = path.with_name("relais.db-wal")
        assert wal.exists() and mode(wal) == 0o600, "SQLite gives its journal the database file's mode"
    finally:
        db.dispose()


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir(mode=0o755)
    db = Database(f"sqlite:///{tmp_path / 'shared' / 'relais.db'}")
    db.ping()
    db.dispose()
    assert mode(tmp_path / "shared") == 0o755 and mode(tmp_path / "shared" / "relais.db") == 0o600


def test_outbox_folder_and_messages(tmp_path: Path) -> None:
    folder = tmp_path / "var" / "outbox"
    mailer = OutboxMailer(folder)
    assert mailer.send("lettre@example.org", "alice@exemple.fr", MESSAGE).code == 250
    assert mode(tmp_path / "var") == 0o700 and mode(folder) == 0o700
    assert [(p.name, mode(p)) for p in folder.iterdir()] == [("abc.1.eml", 0o600)]


def test_a_resent_message_over_an_old_readable_file_becomes_0600(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    folder.mkdir()
    (folder / "abc.1.tmp").write_bytes(b"left by a crash")
    (folder / "abc.1.tmp").chmod(0o644)
    OutboxMailer(folder).send("lettre@example.org", "alice@exemple.fr", MESSAGE)
    assert mode(folder / "abc.1.eml") == 0o600


def test_backup_archive_and_restored_outbox(tmp_path: Path, clock: FrozenClock) -> None:
    db = Database(f"sqlite:///{tmp_path / 'a.db'}")
    upgrade(db)
    outbox = tmp_path / "outbox"
    OutboxMailer(outbox).send("lettre@example.org", "alice@exemple.fr", MESSAGE)
    archive = tmp_path / "backups" / "daily" / "relais.tar.gz"
    backup(Services(settings=Settings(mail=MailSettings(outbox_dir=str(outbox))), db=db, clock=clock), archive)
    db.dispose()
    assert mode(archive) == 0o600
    assert mode(archive.parent) == 0o700 and mode(archive.parent.parent) == 0o700

    target = Database(f"sqlite:///{tmp_path / 'b.db'}")
    restored = tmp_path / "restored" / "outbox"
    restore(Services(settings=Settings(mail=MailSettings(outbox_dir=str(restored))), db=target, clock=clock), archive)
    target.dispose()
    assert mode(restored) == 0o700 and mode(restored / "abc.1.eml") == 0o600


def test_the_generated_secret_key(tmp_path: Path, clock: FrozenClock) -> None:
    settings = Settings()
    settings.path = tmp_path / "config.toml"
    services = Services(settings=settings, db=Database("sqlite:///:memory:"), clock=clock)
    key = services.secret_key
    path = tmp_path / "var" / "secret_key"
    assert len(key) > 40 and path.read_text(encoding="ascii") == key
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert services.secret_key == key, "made once, then read"
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"], "no temporary file left behind"
    services.close()
