"""``relais backup`` and ``relais restore``."""

from __future__ import annotations

from pathlib import Path

import typer

from relais import backup as ops
from relais.cli.context import console, services


def backup(
    ctx: typer.Context,
    archive: Path = typer.Argument(..., help="The .tar.gz file to write."),
) -> None:
    """Write a consistent snapshot of the database and the outbox folder."""
    manifest = ops.backup(services(ctx), archive)
    rows = sum(manifest["tables"].values())
    console.print(
        f"sauvegarde écrite : {archive} ({rows} lignes, {manifest['outbox_files']} fichiers de la boîte d'envoi)"
    )


def restore(
    ctx: typer.Context,
    archive: Path = typer.Argument(..., help="A .tar.gz written by 'relais backup'."),
) -> None:
    """Restore a backup into an EMPTY database (and outbox folder); the schema is migrated as needed."""
    result = ops.restore(services(ctx, require_schema=False), archive)
    console.print(
        f"restauré : {sum(result['tables'].values())} lignes (schéma {result['revision']}) "
        f"et {result['outbox_files']} fichiers de la boîte d'envoi"
    )
