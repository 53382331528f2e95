"""``relais up``: the main job on whatever the config says, then the web server.

Each capability adds its step to ``STEPS``; every step is real work on the configured database and mail backend.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from core.model import DeliveryStatus
from relais.cli.context import console, services
from relais.cli.serve import serve
from relais.wiring import Services, sync_sources
from storage.migrate import upgrade


def _migrate(svc: Services) -> str:
    before, after = upgrade(svc.db)
    return f"database at {after}" + ("" if before == after else f" (was {before or 'empty'})")


def _sources(svc: Services) -> str:
    added, updated = sync_sources(svc)
    return f"sources synced from config: {added} added, {updated} updated"


def _send(svc: Services) -> str:
    from relais.sending import send_due

    reports = send_due(svc)
    if not reports:
        return "no issue due"
    return "; ".join(f"issue {r.issue_id}: {r.outcome} ({r.counts[DeliveryStatus.ACCEPTED]} accepted)" for r in reports)


STEPS: list[tuple[str, Callable[[Services], str]]] = [
    ("migrate", _migrate),
    ("sources", _sources),
    ("send", _send),
]


def up(
    ctx: typer.Context,
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="Serve the web app when the job is done."),
    host: str | None = typer.Option(None, "--host"),
    port: int | None = typer.Option(None, "--port"),
) -> None:
    """Migrate, run the main job once (collect, curate, build, send to the configured mailer), then serve."""
    svc = services(ctx, require_schema=False)
    svc.db.ping()
    for name, step in STEPS:
        console.print(f"[bold]{name}[/bold]: {step(svc)}")
    if serve_after:
        serve(ctx, host=host, port=port, scheduler=None)
