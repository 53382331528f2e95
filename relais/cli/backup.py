"""``relais backup`` and ``relais restore``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from relais import backup as ops
from relais.cli.context import State, console, services


def backup(
    ctx: typer.Context,
    archive: Path = typer.Argument(..., help="Le fichier .tar.gz à écrire."),
) -> None:
    """Écrire une sauvegarde cohérente de la base de données et de la boîte d'envoi ; avec --reseau, celle des seules
    données de ce réseau."""
    state: State = ctx.find_root().obj
    network_only = state.network is not None
    manifest = ops.backup(services(ctx), archive, network_only=network_only)
    rows = sum(manifest["tables"].values())
    if network_only:
        console.print(f"sauvegarde du réseau {escape(state.network or '')} écrite : {archive} ({rows} lignes)")
        return
    console.print(
        f"sauvegarde écrite : {archive} ({rows} lignes, {manifest['outbox_files']} fichiers de la boîte d'envoi)"
    )


def restore(
    ctx: typer.Context,
    archive: Path = typer.Argument(..., help="Un .tar.gz écrit par « relais backup »."),
    replace: bool = typer.Option(
        False, "--remplacer", help="Sauvegarde d'un réseau : remplacer les données qu'il a maintenant."
    ),
) -> None:
    """Restaurer une sauvegarde dans une base VIDE (et une boîte d'envoi vide) ; le schéma est migré s'il le faut.
    La sauvegarde d'un réseau (relais --reseau SLUG backup) se restaure dans ce réseau, les autres restant intacts."""
    state: State = ctx.find_root().obj
    result = ops.restore(services(ctx, require_schema=state.network is not None), archive, replace=replace)
    if "network" in result:
        console.print(f"réseau {escape(result['network'])} restauré : {sum(result['tables'].values())} lignes")
        return
    console.print(
        f"restauré : {sum(result['tables'].values())} lignes (schéma {result['revision']}) "
        f"et {result['outbox_files']} fichiers de la boîte d'envoi"
    )
