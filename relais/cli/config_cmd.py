"""``relais config``: validate the configuration file."""

from __future__ import annotations

import typer
from rich.markup import escape

from admin.metrics import unprotected_warning
from core.settings import load_settings
from relais.cli.context import State, console
from relais.wiring import config_path, resolve_database_url
from storage.database import safe_url

app = typer.Typer(help="Configuration.", no_args_is_help=True)


@app.command("check")
def check(ctx: typer.Context) -> None:
    """Lire et vérifier config.toml ; afficher un résumé, ou la première erreur avec la clé en cause."""
    state: State = ctx.find_root().obj
    path = config_path(state.config)
    s = load_settings(path)
    console.print(f"[green]ok[/green] {path}")
    console.print(f"  réseau       {s.network.name} — {s.network.newsletter_name}")
    console.print(f"  base         {safe_url(resolve_database_url(s))}")
    console.print(f"  envoi        {s.mail.backend}")
    console.print(
        f"  taxonomie    {len(s.taxonomy.themes)} thèmes, {len(s.taxonomy.zones)} zones, "
        f"{len(s.taxonomy.territories)} départements"
    )
    console.print(f"  sources      {len(s.sources)}")
    warning = unprotected_warning(s)
    if warning:
        console.print(f"[yellow]attention[/yellow] {escape(warning)}", soft_wrap=True)
