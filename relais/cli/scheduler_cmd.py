"""``relais scheduler``: run the scheduler alone (no web server)."""

from __future__ import annotations

import typer

from relais.cli.context import console, services
from relais.scheduler import run_forever

app = typer.Typer(help="Le planificateur : collectes régulières et envois programmés.", no_args_is_help=True)


@app.command("run")
def run_cmd(ctx: typer.Context) -> None:
    """Lancer les tâches planifiées au premier plan jusqu'à interruption."""
    svc = services(ctx)
    console.print("planificateur en marche ; Ctrl-C pour l'arrêter")
    run_forever(svc)


@app.command("jobs")
def jobs_cmd(ctx: typer.Context) -> None:
    """Lister les tâches que le planificateur lancerait."""
    from relais.scheduler import planned_jobs

    svc = services(ctx)
    for job in planned_jobs(svc):
        console.print(f"{job.id:40} {job.trigger}")
