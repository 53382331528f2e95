"""``relais backup`` and ``relais restore``."""

from __future__ import annotations

from pathlib import Path

import typer

from relais import backup as ops
from relais.cli.context import console, services


def backup(
    ctx: typer.Context,
    archive: Path = typer.Argument(..., help="Le fichier .tar.gz à écrire."),
) -> None:
    """Écrire une sauvegarde cohérente de la base de données et de la boîte d'envoi."""
    manifest = ops.backup(services(ctx), archive)
    rows = sum(manifest["tables"].values())
    console.print(
        f"sauvegarde écrite : {archive} ({rows} lignes, {manifest['outbox_files']} fichiers de la boîte d'envoi)"
    )


def restore(
    ctx: typer.Context,
    archive: Path = typer.Argument(..., help="Un .tar.gz écrit par « relais backup »."),
) -> None:
    """Restaurer une sauvegarde dans une base VIDE (et une boîte d'envoi vide) ; le schéma est migré s'il le faut."""
    result = ops.restore(services(ctx, require_schema=False), archive)
    console.print(
        f"restauré : {sum(result['tables'].values())} lignes (schéma {result['revision']}) "
        f"et {result['outbox_files']} fichiers de la boîte d'envoi"
    )
