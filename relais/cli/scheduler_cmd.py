"""``relais scheduler``: run the scheduler alone (no web server)."""

from __future__ import annotations

import typer

from relais.cli.context import console, services
from relais.scheduler import Role, run_forever

SAID = {
    Role.LEADING: "planificateur en marche ; Ctrl-C pour l'arrêter",
    Role.STANDBY: "un autre planificateur tourne déjà sur cette base : celui-ci attend en relève et prendra la suite"
    " s'il s'arrête",
    Role.STEPPED_DOWN: "la base a été redémarrée et la relève a pris la suite : ce planificateur arrête ses tâches et"
    " attend à son tour",
}

app = typer.Typer(help="Le planificateur : collectes régulières et envois programmés.", no_args_is_help=True)


@app.command("run")
def run_cmd(ctx: typer.Context) -> None:
    """Lancer les tâches planifiées au premier plan jusqu'à interruption."""
    svc = services(ctx)
    run_forever(svc, notify=lambda role: console.print(SAID[role]))


@app.command("jobs")
def jobs_cmd(ctx: typer.Context) -> None:
    """Lister les tâches que le planificateur lancerait."""
    from relais.scheduler import planned_jobs

    svc = services(ctx)
    for job in planned_jobs(svc):
        console.print(f"{job.id:40} {job.trigger}")
