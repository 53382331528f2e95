"""``relais deliveries``: the ledger of an issue, and staff's levers; and the ``send`` command, registered as
``relais digest send`` (``relais/cli/__init__.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from admin.labels import label
from core.errors import InvalidInput
from core.model import DeliveryStatus, IssueKind
from delivery import control
from delivery.ledger import STREAM_OF
from delivery.outage import survived
from delivery.proof import send_test
from delivery.send import audience, send_issue
from relais.cli.context import console, services
from relais.cli.output import emit, say
from relais.cli.run import OUTCOMES
from relais.presend_dns import presend_lines
from relais.wiring import delivery_seams, make_send_context
from storage.deliveries import DeliveryRepository
from storage.issues import IssueRepository

app = typer.Typer(
    help="Le registre des envois : qui a reçu quel numéro, et les commandes de l'envoi.", no_args_is_help=True
)


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    issue: int = typer.Argument(..., help="Numéro (identifiant)."),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Chaque ligne du registre d'un numéro : adresse, état, réponse SMTP, heures."""
    svc = services(ctx)
    with svc.db.session() as s:
        IssueRepository(s).get(issue)
        entries = DeliveryRepository(s).ledger(issue)
    rows: list[dict[str, Any]] = [
        {**{f: getattr(e.delivery, f) for f in e.delivery.__slots__}, "requeued_after_crash": e.requeued_after_crash}
        for e in entries
    ]
    emit(
        fmt,
        rows,
        title=f"registre des envois du numéro {issue}",
        columns=["n°", "adresse", "segment", "état", "tentatives", "réponse SMTP", "fini le"],
        row=lambda r: [
            r["id"],
            r["email"],
            r["segment"],
            label(r["status"], "delivery"),
            r["attempts"],
            r["smtp_reply"],
            r["finished_at"],
        ],
    )


@app.command("pause")
def pause_cmd(ctx: typer.Context, issue: int = typer.Argument(...)) -> None:
    """Mettre un envoi en pause : il s'arrête après le lot en cours."""
    control.pause(services(ctx).db, issue)
    console.print(f"numéro {issue} : mis en pause")


@app.command("resume")
def resume_cmd(ctx: typer.Context, issue: int = typer.Argument(...)) -> None:
    """Reprendre un envoi en pause (lancez « relais digest send NUMÉRO » ou laissez le planificateur continuer)."""
    control.resume(services(ctx).db, issue)
    console.print(f"numéro {issue} : envoi repris")


@app.command("cancel")
def cancel_cmd(ctx: typer.Context, issue: int = typer.Argument(...)) -> None:
    """Annuler un envoi pour de bon : les messages pas encore partis ne partiront pas."""
    svc = services(ctx)
    skipped = control.cancel(svc.db, issue, svc.clock.now())
    console.print(f"numéro {issue} : annulé, {skipped} message(s) ne partiront pas")


def _parse_at(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--at : une date et une heure ISO, ex. 2026-12-01T09:00+01:00, pas « {text} »") from None
    if at.tzinfo is None:
        raise InvalidInput("--at : précisez le fuseau horaire, ex. 2026-12-01T09:00+01:00")
    return at.astimezone(UTC)


_TEST_TO = typer.Option(None, "--test-to", help="Envoyer une copie de test à cette adresse (répétable).")


def send(
    ctx: typer.Context,
    issue: int = typer.Argument(..., help="Numéro (identifiant)."),
    at: str | None = typer.Option(None, "--at", help="Programmer plutôt : date et heure ISO avec fuseau."),
    test_to: list[str] | None = _TEST_TO,
    yes: bool = typer.Option(False, "--yes", "-y", help="Ne pas demander de confirmation."),
) -> None:
    """Envoyer un numéro maintenant (reprise après un arrêt brutal), le programmer avec --at, ou --test-to."""
    svc = services(ctx)
    if at is not None:
        when = _parse_at(at)
        control.schedule(svc.db, issue, when)
        console.print(f"numéro {issue} : programmé pour {when.isoformat()}")
        return
    segmenter, links, bounces = delivery_seams(svc)
    sctx = make_send_context(svc, segmenter=segmenter, links=links, bounces=bounces)
    try:
        with svc.db.session() as s:
            found = IssueRepository(s).get(issue)
        if test_to:
            for c in send_test(sctx, issue, test_to, STREAM_OF[IssueKind(found.kind)]):
                verdict = "acceptée" if c.result.verdict == "accepted" else "refusée"
                console.print(say(f"copie de test (« {c.description or c.segment} ») à {c.address} : {verdict} "
                                  f"{c.result.code or ''} {c.result.reply}".rstrip()))  # fmt: skip
            return
        if found.status in ("draft", "scheduled") and not yes:
            sizes = audience(sctx, issue)
            console.print(f"numéro {issue} : {sum(sizes.values())} destinataire(s) dans {len(sizes)} segment(s)")
            for line in presend_lines(svc.settings, svc.clock, svc.db, issue):  # last send's warnings, DNS
                console.print(say(line))
            typer.confirm("Envoyer maintenant ?", abort=True)
        _foreground(sctx, issue)
    finally:
        sctx.mailer.close()


def _foreground(sctx: Any, issue: int) -> None:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(f"numéro {issue}", total=None)

        def progress(counts: dict[DeliveryStatus, int]) -> None:
            total = sum(counts.values())
            done = (
                total - counts[DeliveryStatus.QUEUED] - counts[DeliveryStatus.SENDING] - counts[DeliveryStatus.DEFERRED]
            )
            bar.update(task, total=total, completed=done)

        report = send_issue(sctx, issue, progress=progress)
    summary = ", ".join(f"{n} {label(st, 'delivery')}" for st, n in report.counts.items() if n)
    console.print(
        f"numéro {issue} : {OUTCOMES.get(report.outcome, report.outcome)} ({summary or 'aucun destinataire'})"
    )
    if report.outages:
        console.print(survived(report.outages, report.waited), highlight=False)
    if report.requeued:
        console.print(
            f"{report.requeued} message(s) étaient en cours lors d'un arrêt brutal : ils ont pu partir deux fois"
        )
