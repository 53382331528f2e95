"""``relais subscribers``: import, export, list, purge, bounces."""

from __future__ import annotations

from pathlib import Path

import typer

from core.errors import InvalidInput
from relais.cli.context import console, services
from relais.cli.output import emit, print_json
from relais.wiring import build_subscribers
from storage.subscribers import SubscriberRepository
from subscribers.bounces import read_maildir
from subscribers.exporter import statuses, to_csv, to_json
from subscribers.importer import import_csv

app = typer.Typer(help="Subscribers: import, export, list, purge, bounces.", no_args_is_help=True)


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., help="CSV: email, name, organisation_type, kinds, themes, zones, territories, streams"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report row by row what would happen; change nothing."),
    confirmed: bool = typer.Option(False, "--confirmed", help="Import as confirmed (needs --basis)."),
    basis: str = typer.Option("", "--basis", help="Legal basis of these addresses, kept with each one."),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Import subscribers; failing rows are listed with their reason and the others go in."""
    if not file.is_file():
        raise InvalidInput(f"{file}: no such file")
    svc = services(ctx)
    kit = build_subscribers(svc)

    def confirm(sub: object) -> None:
        from core.model import Subscriber

        assert isinstance(sub, Subscriber) and sub.id is not None
        kit.service.mailer.send("confirm", sub, {"confirm": kit.links.confirm_url(sub.id)})

    report = import_csv(
        svc.db, svc.clock, file.read_bytes(), kit.choices, dry_run=dry_run, confirmed=confirmed, basis=basis,
        on_pending=confirm,
    )  # fmt: skip
    shown = report.rows if dry_run else [r for r in report.rows if r.outcome != "created"]
    if fmt == "json":
        print_json({"dry_run": dry_run, "encoding": report.encoding, "summary": report.summary,
                    "rows": [{"line": r.line, "email": r.email, "outcome": r.outcome, "reason": r.reason}
                             for r in report.rows]})  # fmt: skip
        return
    emit(fmt, shown, title="rows" if dry_run else "rows not imported", columns=["line", "email", "outcome", "reason"],
         row=lambda r: [r.line, r.email, r.outcome, r.reason])  # fmt: skip
    verb = "would be" if dry_run else "were"
    parts = ", ".join(f"{n} {o}" for o, n in report.summary.items())
    console.print(f"{len(report.rows)} rows ({report.encoding}, '{report.delimiter}'): {parts} — nothing {verb} "
                  "changed for existing subscribers")  # fmt: skip


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    fmt: str = typer.Option("csv", "--format", help="csv | json"),
    status: str | None = typer.Option(None, "--status", help="pending | confirmed | unsubscribed | bounced | …"),
) -> None:
    """Print every subscriber as CSV (the import's columns) or JSON."""
    if fmt not in ("csv", "json"):
        raise InvalidInput(f"--format must be 'csv' or 'json', not {fmt!r}")
    svc = services(ctx)
    with svc.db.session() as s:
        subs = SubscriberRepository(s).find(status=statuses(status))
    print(to_csv(subs) if fmt == "csv" else to_json(subs), end="" if fmt == "csv" else "\n")


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="pending | confirmed | unsubscribed | bounced | …"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """List subscribers."""
    svc = services(ctx)
    with svc.db.session() as s:
        subs = SubscriberRepository(s).find(status=statuses(status))
    emit(fmt, subs, title="subscribers", columns=["id", "email", "status", "streams", "confirmed_at"],
         row=lambda x: [x.id, x.email, x.status, ",".join(x.preferences.streams), x.confirmed_at])  # fmt: skip


@app.command("purge")
def purge_cmd(ctx: typer.Context) -> None:
    """Delete sign-ups not confirmed within [subscribers] purge_unconfirmed_after_hours."""
    svc = services(ctx)
    console.print(f"{build_subscribers(svc).service.purge_unconfirmed()} unconfirmed sign-ups purged")


@app.command("bounces")
def bounces_cmd(
    ctx: typer.Context,
    maildir: Path | None = typer.Option(
        None, "--maildir", help="Maildir of DSNs (default: [subscribers] bounce_maildir)."
    ),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Read bounce and complaint reports from a Maildir and suppress the addresses they name."""
    svc = services(ctx)
    folder = maildir or (svc.settings.resolve(svc.settings.subscribers.bounce_maildir)
                         if svc.settings.subscribers.bounce_maildir else None)  # fmt: skip
    if folder is None:
        raise InvalidInput("no Maildir: pass --maildir or set [subscribers] bounce_maildir")
    kit = build_subscribers(svc)

    def unsubscribe(token: str) -> None:  # a List-Unsubscribe mailto: like a one-click POST
        kit.service.unsubscribe(token, one_click=True)

    report = read_maildir(folder, kit.bounces, unsubscribe=unsubscribe)
    emit(fmt, report.recorded, title="bounces recorded", columns=["email", "kind"], row=list)
    console.print(f"{report.messages} messages read: {len(report.recorded)} recorded, "
                  f"{len(report.unknown)} unknown addresses, {report.not_reports} without a report, "
                  f"{report.unsubscribed} unsubscribe requests ({report.refused} refused)")  # fmt: skip
