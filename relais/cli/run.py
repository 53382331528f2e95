"""``relais up``: the main job on whatever the config says, then the web server.

Each capability adds its step to ``STEPS``; every step is real work on the configured database and mail backend.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from core.model import DeliveryStatus
from relais import demo
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


def _digest(svc: Services) -> str:
    """Build the newsletter draft from what editors approved, when there is something new to put in it."""
    from core.errors import InvalidInput
    from relais.wiring import digest_service

    try:
        issue = digest_service(svc).build_newsletter(by="relais up")
    except InvalidInput as exc:
        return f"no newsletter draft: {exc}"
    return f"newsletter draft #{issue.id} ({len(issue.entries)} items): {issue.subject}"


def _subscribers(svc: Services) -> str:
    from relais.wiring import build_subscribers

    purged = build_subscribers(svc).service.purge_unconfirmed()
    return f"{purged} unconfirmed sign-ups purged"


def _collect(svc: Services) -> str:
    from relais.wiring import watch_service

    watch = watch_service(svc)
    try:
        results = watch.collect()
    finally:
        watch.close()
    errors = [r for r in results if r.outcome == "error"]
    return (
        f"{len(results)} sources collected: {sum(r.new for r in results)} new, "
        f"{sum(r.updated for r in results)} updated, {sum(r.duplicates for r in results)} duplicates merged, "
        f"{len(errors)} errors" + "".join(f"\n  {r.source}: {r.error}" for r in errors)
    )


def _send(svc: Services) -> str:
    from relais.sending import send_due

    reports = send_due(svc)
    if not reports:
        return "no issue due"
    return "; ".join(f"issue {r.issue_id}: {r.outcome} ({r.counts[DeliveryStatus.ACCEPTED]} accepted)" for r in reports)


def _demo(step: Callable[[Services], str]) -> Callable[[Services], str]:
    """A step of the bundled demo (``[demo] enabled``): skipped elsewhere."""

    def run(svc: Services) -> str:
        return step(svc) if svc.settings.demo.enabled else "skipped ([demo] enabled = false)"

    return run


STEPS: list[tuple[str, Callable[[Services], str]]] = [
    ("migrate", _migrate),
    ("sources", _sources),
    ("account", demo.admin_account),
    ("collect", _collect),
    ("demo subscribers", _demo(demo.subscribers)),
    ("demo approval", _demo(demo.approve)),
    ("subscribers", _subscribers),
    ("digest", _digest),
    ("demo newsletter", _demo(demo.newsletter)),
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
        serve(ctx, host=host, port=port, workers=None, scheduler=None)
