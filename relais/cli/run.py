"""``relais up``: the main job on whatever the config says, then the web server.

Each capability adds its step to ``STEPS``; every step is real work on the configured database and mail backend.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from core.model import DeliveryStatus
from relais import demo
from relais.cli.context import console, services
from relais.cli.output import french, say
from relais.cli.serve import serve
from relais.wiring import Services, sync_networks, sync_sources, with_created_networks
from storage.migrate import upgrade

# What a send ended in (delivery.send.SendOutcome's values), said to the person at the terminal.
OUTCOMES = {"sent": "envoyé", "paused": "en pause", "cancelled": "annulé", "too_late": "trop tard, pas envoyé",
            "outside_window": "hors de la fenêtre d'envoi (la suite au prochain passage)",
            "waiting_retry": "en attente de nouvelles tentatives", "sending_elsewhere": "déjà en cours ailleurs",
            "shard_done": "part terminée", "parent_gone": "arrêté (processus parent disparu)"}  # fmt: skip


def _migrate(svc: Services) -> str:
    before, after = upgrade(svc.db)
    networks = len(sync_networks(with_created_networks(svc)))
    done = f"base de données en révision {after}" + ("" if before == after else f" (avant : {before or 'vide'})")
    return done + (f", {networks} réseaux" if networks > 1 else "")


def _sources(svc: Services) -> str:
    added, updated = sync_sources(svc)
    return f"sources de config.toml : {added} ajoutée(s), {updated} mise(s) à jour"


def _digest(svc: Services) -> str:
    """Build the newsletter draft from what editors approved, when there is something new to put in it."""
    from core.errors import InvalidInput
    from relais.wiring import digest_service

    try:
        issue = digest_service(svc).build_newsletter(by="relais up")
    except InvalidInput as exc:
        return f"pas de brouillon de lettre : {french(exc)}"
    return f"brouillon de lettre n°{issue.id} ({len(issue.entries)} éléments) : {issue.subject}"


def _subscribers(svc: Services) -> str:
    from relais.wiring import build_subscribers

    purged = build_subscribers(svc).service.purge_unconfirmed()
    return f"{purged} inscription(s) jamais confirmée(s) effacée(s)"


def _collect(svc: Services) -> str:
    from relais.wiring import watch_service

    watch = watch_service(svc)
    try:
        results = watch.collect()
    finally:
        watch.close()
    errors = [r for r in results if r.outcome == "error"]
    return (
        f"{len(results)} sources collectées : {sum(r.new for r in results)} nouveaux éléments, "
        f"{sum(r.updated for r in results)} mis à jour, {sum(r.duplicates for r in results)} doublons fusionnés, "
        f"{len(errors)} erreur(s)" + "".join(f"\n  {r.source} : {r.error_french or r.error}" for r in errors)
    )


def _send(svc: Services) -> str:
    from relais.sending import send_due

    reports = send_due(svc)
    if not reports:
        return "aucun numéro à envoyer"
    return "; ".join(
        f"numéro {r.issue_id} : {OUTCOMES.get(r.outcome, r.outcome)} ({r.counts[DeliveryStatus.ACCEPTED]} accepté(s))"
        for r in reports
    )


def _demo(step: Callable[[Services], str]) -> Callable[[Services], str]:
    """A step of the bundled demo (``[demo] enabled``): skipped elsewhere."""

    def run(svc: Services) -> str:
        return step(svc) if svc.settings.demo.enabled else "sauté ([demo] enabled = false)"

    return run


STEPS: list[tuple[str, Callable[[Services], str]]] = [
    ("migration", _migrate),
    ("sources", _sources),
    ("compte", demo.admin_account),
    ("collecte", _collect),
    ("abonnés de démonstration", _demo(demo.subscribers)),
    ("approbation de démonstration", _demo(demo.approve)),
    ("abonnés", _subscribers),
    ("lettre", _digest),
    ("lettre de démonstration", _demo(demo.newsletter)),
    ("envoi", _send),
]


def up(
    ctx: typer.Context,
    serve_after: bool = typer.Option(
        True, "--serve/--no-serve", help="Servir l'application web une fois le travail fait."
    ),
    host: str | None = typer.Option(None, "--host"),
    port: int | None = typer.Option(None, "--port"),
) -> None:
    """Migrer, faire le travail principal une fois (collecter, trier, préparer, envoyer), puis servir."""
    svc = services(ctx, require_schema=False)
    svc.db.ping()
    for name, step in STEPS:
        console.print(f"[bold]{name}[/bold]: {say(step(svc))}")
    if serve_after:
        serve(ctx, host=host, port=port, workers=None, scheduler=None)
