"""``relais db``: migrate and inspect the database."""

from __future__ import annotations

import typer

from relais.cli.context import console, services
from relais.cli.output import print_json, print_table
from relais.wiring import sync_networks, with_created_networks
from storage.migrate import current_revision, head_revision, table_counts, upgrade

app = typer.Typer(help="Base de données : migrations et état.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(ctx: typer.Context) -> None:
    """Créer le schéma ou le migrer à la dernière révision."""
    svc = services(ctx, require_schema=False)
    svc.db.ping()
    before, after = upgrade(svc.db)
    if before == after:
        console.print(f"base de données déjà en révision {after}")
    else:
        console.print(f"base de données migrée : {before or '(vide)'} -> {after}")
    networks = sync_networks(with_created_networks(svc))
    if len(networks) > 1:
        console.print("réseaux : " + ", ".join(f"{slug} ({number})" for slug, number in sorted(networks.items())))


@app.command("status")
def status_cmd(ctx: typer.Context, fmt: str = typer.Option("table", "--format", help="table | json")) -> None:
    """Afficher la révision du schéma et le nombre de lignes de chaque table."""
    svc = services(ctx, require_schema=False)
    svc.db.ping()
    cur, head = current_revision(svc.db), head_revision(svc.db)
    counts = table_counts(svc.db) if cur is not None else {}
    if fmt == "json":
        print_json({"revision": cur, "head": head, "up_to_date": cur == head, "tables": counts})
        return
    late = "" if cur == head else " — lancez « relais db upgrade »"
    console.print(f"révision {cur or '(vide)'} ; la plus récente : {head}{late}")
    print_table("tables", ["table", "lignes"], sorted(counts.items()))


@app.command("check")
def check_cmd(ctx: typer.Context, fmt: str = typer.Option("table", "--format", help="table | json")) -> None:
    """Signaler les incohérences entre le registre des envois et les numéros ; code de sortie 1 s'il y en a."""
    from storage.consistency import check

    svc = services(ctx)
    with svc.db.session() as s:
        problems = check(s)
    if fmt == "json":
        print_json(problems)
    elif problems:
        print_table(
            "incohérences", ["contrôle", "numéro", "détail"], [[p.check, p.issue_id, p.detail] for p in problems]
        )
    else:
        console.print("[green]ok[/green] : le registre des envois et les numéros concordent")
    if problems:
        raise typer.Exit(1)
