"""One network's rows out of a deployment, and back in, leaving every other network's rows as they are.

What a network's archive holds (:func:`plan`):

- its own rows (:attr:`Part.OWN`): every table with a ``network_id`` of its, and the rows hanging from them
  (deliveries, bounces, clicks, item events, its private sources' collection runs…). A restore replaces them.
- rows it shares with the others (:attr:`Part.SHARED`): its accounts (an account may work in several networks),
  the shared sources its items point at, the preference bits its subscribers' masks are made of. A restore adds
  the missing ones and changes none.
- nothing of the deployment itself: the networks' list (``config.toml`` makes it) and the bounce mailbox.

A table no rule places is refused at once rather than left out of the archive in silence.

Restoring happens in one transaction: the network's current rows go, the archive's come in (with the network's id
in this deployment, which may differ from the one it had: a network moved to a deployment of its own), and on any
conflict nothing has changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Any

from sqlalchemy import ColumnElement, Connection, Table, delete, exists, or_, select, text, true
from sqlalchemy.exc import IntegrityError

from core.errors import StorageError
from storage.backup import BATCH, dump_rows, read_rows, reset_sequences, snapshot, tables
from storage.database import Database
from storage.migrate import current_revision

KIND = "network"  # a manifest's ``kind``: a whole database's backup has none
OUTSIDE = {"networks", "mailbox_messages"}  # the deployment's own: declared in config.toml, its bounce mailbox


class Part(StrEnum):
    OWN = "own"  # the network's rows: a restore replaces them
    SHARED = "shared"  # used by other networks too: a restore adds the missing ones, changes none


@dataclass(frozen=True, slots=True)
class Scope:
    """Which rows of a table are the network's, and what a restore does with them."""

    table: Table
    part: Part
    where: ColumnElement[bool]

    @property
    def key(self) -> str:
        """Its name in the archive and the manifest."""
        return self.table.name if self.part is Part.OWN else f"{self.table.name}.shared"


def plan(network_id: int) -> list[Scope]:
    """Every table's rows of the network, parents before children (the order a restore inserts them in)."""
    out: list[Scope] = []
    by_name = {t.name: t for t in tables()}
    members = by_name["network_members"]
    for table in tables():
        if table.name in OUTSIDE:
            continue
        if table.name == "users":
            mine = select(members.c.user_id).where(members.c.network_id == network_id)
            out.append(Scope(table, Part.SHARED, table.c.id.in_(mine)))
        elif table.name == "preference_bits":
            out.append(Scope(table, Part.SHARED, true()))
        elif table.name == "sources":
            out.append(Scope(table, Part.SHARED, table.c.network_id.is_(None)))
            out.append(Scope(table, Part.OWN, table.c.network_id == network_id))
        elif "network_id" in table.c:
            out.append(Scope(table, Part.OWN, table.c.network_id == network_id))
        else:
            out.append(Scope(table, Part.OWN, _through_parent(table, network_id)))
    return out


def _through_parent(table: Table, network_id: int) -> ColumnElement[bool]:
    """A row belongs to the network its parents belong to: any of them, since a parent's link may have been
    emptied (a bounce keeps its delivery when its subscriber is erased)."""
    paths = []
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        parent = fk.column.table
        if not isinstance(parent, Table) or parent.name in OUTSIDE:
            continue
        if "network_id" in parent.c:
            paths.append(fk.parent.in_(select(fk.column).where(parent.c.network_id == network_id)))
        elif parent.foreign_keys:
            paths.append(fk.parent.in_(select(fk.column).where(_through_parent(parent, network_id))))
    if not paths:
        raise StorageError(
            f"table {table.name}: no rule says which network its rows belong to",
            code="backup_unplaced_table",
            table=table.name,
        )
    return or_(*paths)


def dump(db: Database, network_id: int, slug: str, open_table: Callable[[str], IO[str]]) -> dict[str, Any]:
    """Write the network's rows through ``open_table(key)``, all read in one snapshot; returns the manifest."""
    counts: dict[str, int] = {}
    with snapshot(db) as (revision, conn):
        for scope in plan(network_id):
            with open_table(scope.key) as out:
                counts[scope.key] = dump_rows(conn, scope.table, out, scope.where)
    return {
        "format": 1,
        "kind": KIND,
        "network": {"slug": slug, "id": network_id},
        "revision": revision,
        "dialect": db.dialect,
        "tables": counts,
    }


def _every_network(conn: Connection) -> None:
    """PostgreSQL: this transaction is the operator's, not one network's (the row policies of 0014 see all)."""
    conn.execute(text("SELECT set_config('relais.network_id', '', true)"))


def owns_rows(db: Database, network_id: int) -> bool:
    """Whether the network has rows now (what a restore would replace)."""
    with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            _every_network(conn)
        found = any(
            conn.execute(select(exists().where(scope.where))).scalar_one()
            for scope in plan(network_id)
            if scope.part is Part.OWN
        )
        conn.rollback()
    return found


def restore(
    db: Database, network_id: int, manifest: dict[str, Any], open_table: Callable[[str], Iterator[str]]
) -> dict[str, int]:
    """Replace the network's rows with the archive's (see the module's text); returns rows written per key."""
    if manifest.get("format") != 1 or manifest.get("kind") != KIND:
        raise StorageError(
            f"unknown network backup format {manifest.get('format')!r}",
            code="backup_format",
            format=manifest.get("format"),
        )
    revision = current_revision(db)
    if revision != manifest["revision"]:
        raise StorageError(
            f"the backup is at schema revision {manifest['revision']} but the database is at {revision or '(empty)'}",
            code="network_restore_revision",
            backup=manifest["revision"],
            revision=revision or "(vide)",
        )
    scopes = plan(network_id)
    counts: dict[str, int] = {}
    try:
        with db.engine.begin() as conn:
            if db.dialect == "postgresql":
                _every_network(conn)
            for scope in reversed(scopes):
                if scope.part is Part.OWN:
                    conn.execute(delete(scope.table).where(scope.where))
            for scope in scopes:
                if scope.key in manifest["tables"]:
                    counts[scope.key] = _load(conn, scope, network_id, read_rows(scope.table, open_table(scope.key)))
            if db.dialect == "postgresql":
                reset_sequences(conn)
    except IntegrityError as exc:
        raise StorageError(
            f"the network's backup conflicts with rows of this database: {str(exc.orig).splitlines()[0]}",
            code="network_restore_conflict",
            detail=str(exc.orig).splitlines()[0],
        ) from None
    expected = {k: n for k, n in manifest["tables"].items() if not k.endswith(".shared")}
    for key, n in expected.items():
        if counts.get(key, 0) != n:
            raise StorageError(
                f"table {key}: restored {counts.get(key, 0)} rows, the manifest says {n}",
                code="restore_count",
                table=key,
                restored=counts.get(key, 0),
                expected=n,
            )
    return counts


def _load(conn: Connection, scope: Scope, network_id: int, rows: Iterator[dict[str, Any]]) -> int:
    n = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        if row.get("network_id") is not None:
            row["network_id"] = network_id  # the network's id in this deployment
        batch.append(row)
        if len(batch) >= BATCH:
            n += _write(conn, scope, batch)
            batch = []
    if batch:
        n += _write(conn, scope, batch)
    return n


def _write(conn: Connection, scope: Scope, batch: list[dict[str, Any]]) -> int:
    if scope.part is Part.OWN:
        conn.execute(scope.table.insert(), batch)
        return len(batch)
    (pk,) = scope.table.primary_key.columns  # accounts, sources, bits: one id each
    keys = [row[pk.name] for row in batch]
    present = set(conn.execute(select(pk).where(pk.in_(keys))).scalars())
    if scope.table.name == "preference_bits":  # a subscriber's mask means nothing with other bits
        _same_bits(conn, scope.table, [row for row, key in zip(batch, keys, strict=True) if key in present])
    missing = [row for row, key in zip(batch, keys, strict=True) if key not in present]
    if missing:
        conn.execute(scope.table.insert(), missing)
    return len(missing)


def _same_bits(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    here = {
        r.id: (r.family, r.slug, r.bit)
        for r in conn.execute(select(table).where(table.c.id.in_([r["id"] for r in rows])))
    }
    for row in rows:
        if here[row["id"]] != (row["family"], row["slug"], row["bit"]):
            raise StorageError(
                f"preference bit {row['id']} is {here[row['id']]} here and {(row['family'], row['slug'], row['bit'])}"
                " in the backup",
                code="network_restore_bits",
                family=row["family"],
                slug=row["slug"],
            )
