"""The ``relais`` command line: thin commands over the services built in :mod:`relais.wiring`.

User mistakes print one clear line on stderr and exit with code 2; nothing prints a traceback for them.
"""

from __future__ import annotations

import sys

import typer

from core.errors import ConfigError, RelaisError
from relais.cli import (
    backup,
    bounces,
    config_cmd,
    db,
    deliveries,
    digest,
    figures,
    items,
    mail,
    run,
    scheduler_cmd,
    serve,
    subscribers,
    users,
    watch,
)
from relais.cli.context import State, err_console
from relais.cli.output import french, say

app = typer.Typer(
    name="relais",
    help="Relais: veille, curation, lettres d'information et emailings d'un réseau régional.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    config: str | None = typer.Option(
        None, "--config", "-c", help="Chemin de config.toml (par défaut : $RELAIS_CONFIG ou ./config.toml)."
    ),
    network: str | None = typer.Option(
        None, "--reseau", "-r", help="Le slug d'un réseau : la commande agit pour lui seul (par défaut : le premier)."
    ),
) -> None:
    ctx.obj = State(config, network)


app.add_typer(db.app, name="db")
app.add_typer(config_cmd.app, name="config")
app.add_typer(items.app, name="items")
app.add_typer(digest.app, name="digest")
app.add_typer(scheduler_cmd.app, name="scheduler")
app.add_typer(users.app, name="users")
app.add_typer(subscribers.app, name="subscribers")
app.add_typer(watch.app, name="watch")
app.add_typer(deliveries.app, name="deliveries")
app.add_typer(bounces.app, name="bounces")
app.add_typer(mail.app, name="mail")
digest.app.command("send")(deliveries.send)
app.command("serve")(serve.serve)
app.command("up")(run.up)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.command("figures")(figures.figures)


def main() -> None:
    """Entry point: run the app, turning Relais errors into one line and a non-zero exit."""
    try:
        app()
    except ConfigError as exc:
        err_console.print(f"[red]erreur de configuration :[/red] {say(french(exc))}", highlight=False)
        sys.exit(2)
    except RelaisError as exc:
        err_console.print(f"[red]erreur :[/red] {say(french(exc))}", highlight=False)
        sys.exit(2)
