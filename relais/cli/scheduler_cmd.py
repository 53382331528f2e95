"""``relais scheduler``: run the scheduler alone (no web server)."""

from __future__ import annotations

import typer

from relais.cli.context import console, services
from relais.scheduler import run_forever

app = typer.Typer(help="The scheduler: periodic collections and scheduled sends.", no_args_is_help=True)


@app.command("run")
def run_cmd(ctx: typer.Context) -> None:
    """Run scheduled jobs in the foreground until interrupted."""
    svc = services(ctx)
    console.print("planificateur en marche ; Ctrl-C pour l'arrêter")
    run_forever(svc)


@app.command("jobs")
def jobs_cmd(ctx: typer.Context) -> None:
    """List the jobs the scheduler would run."""
    from relais.scheduler import planned_jobs

    svc = services(ctx)
    for job in planned_jobs(svc):
        console.print(f"{job.id:40} {job.trigger}")
