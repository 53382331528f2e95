"""``relais backup`` / ``relais restore``: the database snapshot and the outbox folder in one ``.tar.gz``.

backup:  snapshot every table in one read transaction | JSON lines per table | + outbox/*.eml | tar.gz
restore: check archive | migrate the empty database to the archive's revision | load rows | unpack outbox

With ``network_only`` (``relais --reseau SLUG backup``), the archive holds one network's rows
(``storage.network_backup``), and restoring it replaces that network's rows in a deployment, leaving the others'.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from core.errors import InvalidInput, StorageError
from core.files import DIR_MODE, FILE_MODE, open_private, private_dir
from relais.wiring import Services
from storage import backup as snapshot
from storage import network_backup as by_network
from storage.migrate import current_revision, upgrade
from storage.networks import FIRST_NETWORK

MANIFEST = "manifest.json"


def outbox_dir(services: Services) -> Path:
    return services.settings.resolve(services.settings.mail.outbox_dir)


def backup(services: Services, archive: Path, *, network_only: bool = False) -> dict[str, Any]:
    """Write a consistent snapshot of the database and the outbox to ``archive``; returns the manifest.
    ``network_only``: the rows of the services' network only, without the outbox (the deployment's folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "db").mkdir()

        def open_table(name: str) -> IO[str]:
            return (root / "db" / f"{name}.jsonl").open("w", encoding="utf-8")

        outbox = outbox_dir(services)
        if network_only:
            slug = services.settings.network.slug
            manifest = by_network.dump(services.db, _network(services), slug, open_table)
            files = []
        else:
            manifest = snapshot.dump(services.db, open_table)
            files = sorted(p for p in outbox.rglob("*") if p.is_file()) if outbox.exists() else []
        manifest["outbox_files"] = len(files)
        manifest["created_at"] = services.clock.now().isoformat()
        (root / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        private_dir(archive.parent)
        partial = archive.with_name(archive.name + ".partial")
        with open_private(partial) as fh, tarfile.open(fileobj=fh, mode="w:gz") as tar:  # 0600: all the data
            tar.add(root / MANIFEST, arcname=MANIFEST)
            tar.add(root / "db", arcname="db")
            for f in files:
                tar.add(f, arcname=f"outbox/{f.relative_to(outbox)}")
        partial.replace(archive)  # never leave a half-written archive under the final name
    return manifest


@contextmanager
def _opened(archive: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    if not archive.is_file():
        raise InvalidInput(f"{archive}: no such backup file", code="backup_missing", path=archive)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(root, filter="data")
            manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        except (tarfile.TarError, OSError, json.JSONDecodeError, EOFError) as exc:
            raise InvalidInput(
                f"{archive}: not a Relais backup ({exc})", code="backup_unreadable", path=archive
            ) from None
        yield root, manifest


def restore(services: Services, archive: Path, *, replace: bool = False) -> dict[str, Any]:
    """Restore ``archive`` into the configured database, which must be empty, and its outbox folder. A network's
    archive goes into the services' network instead, whose rows it replaces only when ``replace`` says so."""
    with _opened(archive) as (root, manifest):
        if manifest.get("kind") == by_network.KIND:
            return _restore_network(services, root, manifest, replace=replace)
        if current_revision(services.db) is None:
            upgrade(services.db, manifest["revision"])

        def open_table(name: str) -> Iterator[str]:
            with (root / "db" / f"{name}.jsonl").open(encoding="utf-8") as fh:
                yield from fh

        counts = snapshot.restore(services.db, manifest, open_table)
        src = root / "outbox"
        if src.exists():
            dest = outbox_dir(services)
            if dest.exists() and any(dest.iterdir()):
                raise StorageError(
                    f"the outbox folder {dest} is not empty: move it away before restoring",
                    code="restore_outbox_not_empty",
                    path=dest,
                )
            private_dir(dest)
            shutil.copytree(src, dest, dirs_exist_ok=True)
            for restored in [dest, *dest.rglob("*")]:  # copytree copies the archive's modes
                restored.chmod(DIR_MODE if restored.is_dir() else FILE_MODE)
        upgrade(services.db)  # a backup from an older Relais is brought up to date
        return {"revision": manifest["revision"], "tables": counts, "outbox_files": manifest.get("outbox_files", 0)}


def _restore_network(services: Services, root: Path, manifest: dict[str, Any], *, replace: bool) -> dict[str, Any]:
    slug = services.settings.network.slug
    if manifest["network"]["slug"] != slug:
        raise InvalidInput(
            f"this backup is network {manifest['network']['slug']}'s, not {slug}'s",
            code="network_backup_other",
            backup=manifest["network"]["slug"],
            network=slug,
        )
    if current_revision(services.db) is None:
        raise StorageError("the database is empty: run 'relais db upgrade' first", code="network_restore_no_schema")
    if not replace and by_network.owns_rows(services.db, _network(services)):
        raise StorageError(
            f"network {slug} already has rows: restoring its backup would replace them",
            code="network_restore_not_empty",
            network=slug,
        )

    def open_table(name: str) -> Iterator[str]:
        with (root / "db" / f"{name}.jsonl").open(encoding="utf-8") as fh:
            yield from fh

    counts = by_network.restore(services.db, _network(services), manifest, open_table)
    return {"revision": manifest["revision"], "tables": counts, "outbox_files": 0, "network": slug}


def _network(services: Services) -> int:
    return services.network_id or FIRST_NETWORK
