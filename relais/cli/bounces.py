"""``relais bounces``: the bounce mailbox, by hand (the scheduler reads it every ``[subscribers.bounces] every``)."""

from __future__ import annotations

import typer

from core.errors import InvalidInput
from relais.bounce_mail import read_bounce_mailbox, summary
from relais.cli.context import console, services
from relais.cli.output import emit, say

app = typer.Typer(help="Rebonds et plaintes : la boîte aux lettres des retours.", no_args_is_help=True)


@app.command("fetch")
def fetch(
    ctx: typer.Context,
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Lire maintenant les nouveaux messages de [subscribers.bounces] (IMAP) : rejets et plaintes suspendent les
    adresses, chaque message traité est rangé, ceux qu'on ne sait pas lire restent pour une personne."""
    svc = services(ctx)
    if not svc.settings.subscribers.bounces.imap_host:
        raise InvalidInput("aucune boîte aux lettres des retours : renseignez [subscribers.bounces] imap_host")
    report = read_bounce_mailbox(svc)
    if fmt == "json":
        emit(fmt, [report], title="", columns=[], row=list)
        return
    emit(fmt, report.recorded, title="rejets et plaintes enregistrés", columns=["adresse", "type"], row=list)
    for why in report.left:
        console.print(f"laissé pour une personne : {say(why)}", highlight=False)
    console.print(say(summary(report)), highlight=False)
