"""``relais subscribers``: import, export, list, purge, bounces."""

from __future__ import annotations

from pathlib import Path

import typer

from admin.labels import label
from admin.subscriber_tools import OUTCOME_LABELS as OUTCOMES
from core.errors import InvalidInput
from relais.cli.context import console, services
from relais.cli.output import emit, print_json, print_table
from relais.wiring import build_subscribers
from storage.subscribers import SubscriberRepository
from subscribers.bounces import read_maildir
from subscribers.exporter import statuses, to_csv, to_json
from subscribers.importer import import_csv
from subscribers.vocabulary import Vocabulary

app = typer.Typer(help="Abonnés : import, export, liste, purge, retours.", no_args_is_help=True)


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ...,
        help="CSV : email, nom, type d'organisation, types, thématiques, zones, départements, envois "
        "(valeurs séparées par | ou par la virgule)",
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Dire ligne par ligne ce qui se passerait (et ce que chaque valeur devient) ; ne rien changer.",
    ),
    confirmed: bool = typer.Option(False, "--confirmed", help="Importer comme confirmées (demande --basis)."),
    basis: str = typer.Option("", "--basis", help="Base légale de ces adresses, gardée avec chacune."),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Importer des abonnés ; les lignes refusées sont listées avec leur raison, les autres entrent."""
    if not file.is_file():
        raise InvalidInput(f"{file} : fichier introuvable")
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
    emit(fmt, shown, title="lignes" if dry_run else "lignes non importées",
         columns=["ligne", "adresse", "résultat", "raison"],
         row=lambda r: [r.line, r.email, OUTCOMES[r.outcome], r.reason])  # fmt: skip
    uses = report.labels(Vocabulary.of(kit.choices))
    if dry_run and uses:
        became = [[u.family_name, u.written, u.became or "inconnu : ligne refusée", u.rows] for u in uses]
        print_table("ce que chaque valeur est devenue", ["colonne", "écrit", "compris comme", "lignes"], became)
    parts = ", ".join(f"{n} {SUMMARY[o]}" for o, n in report.summary.items())
    tense = "ne serait changé" if dry_run else "n'a changé"
    console.print(f"{len(report.rows)} lignes ({report.encoding}, séparateur « {report.delimiter} ») : {parts} — rien "
                  f"{tense} pour les abonnés existants")  # fmt: skip


# The import's summary: how many rows of each outcome (« 3 ajoutées, 1 refusée »).
SUMMARY = {"created": "à ajouter ou ajoutée(s)", "exists": "déjà inscrite(s)", "duplicate": "en double",
           "suppressed": "effacée(s) ou bloquée(s)", "failed": "refusée(s)"}  # fmt: skip


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    fmt: str = typer.Option("csv", "--format", help="csv | json"),
    status: str | None = typer.Option(None, "--status", help="pending | confirmed | unsubscribed | bounced | …"),
) -> None:
    """Afficher chaque abonné en CSV (les colonnes de l'import) ou en JSON."""
    if fmt not in ("csv", "json"):
        raise InvalidInput(f"--format : « csv » ou « json », pas « {fmt} »")
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
    """Lister les abonnés."""
    svc = services(ctx)
    with svc.db.session() as s:
        subs = SubscriberRepository(s).find(status=statuses(status))
    emit(fmt, subs, title="abonnés", columns=["n°", "adresse", "statut", "envois", "confirmé le"],
         row=lambda x: [x.id, x.email, label(x.status, "subscriber"),
                        ", ".join(label(s, "stream") for s in x.preferences.streams),
                        x.confirmed_at.strftime("%d/%m/%Y") if x.confirmed_at else ""])  # fmt: skip


@app.command("purge")
def purge_cmd(ctx: typer.Context) -> None:
    """Effacer les inscriptions non confirmées dans le délai [subscribers] purge_unconfirmed_after_hours."""
    svc = services(ctx)
    console.print(f"{build_subscribers(svc).service.purge_unconfirmed()} inscription(s) jamais confirmée(s) effacée(s)")


@app.command("bounces")
def bounces_cmd(
    ctx: typer.Context,
    maildir: Path | None = typer.Option(
        None, "--maildir", help="Maildir des avis de non-remise (par défaut : [subscribers] bounce_maildir)."
    ),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Lire les avis de non-remise et les plaintes d'un Maildir et bloquer les adresses qu'ils nomment."""
    svc = services(ctx)
    folder = maildir or (svc.settings.resolve(svc.settings.subscribers.bounce_maildir)
                         if svc.settings.subscribers.bounce_maildir else None)  # fmt: skip
    if folder is None:
        raise InvalidInput("pas de Maildir : donnez --maildir ou réglez [subscribers] bounce_maildir")
    kit = build_subscribers(svc)

    def unsubscribe(token: str) -> None:  # a List-Unsubscribe mailto: like a one-click POST
        kit.service.unsubscribe(token, one_click=True)

    report = read_maildir(folder, kit.bounces, unsubscribe=unsubscribe)
    emit(fmt, report.recorded, title="retours enregistrés", columns=["adresse", "type"], row=list)
    console.print(f"{report.messages} messages lus : {len(report.recorded)} enregistrés, "
                  f"{len(report.unknown)} adresses inconnues, {report.not_reports} sans rapport, "
                  f"{report.unsubscribed} demandes de désinscription ({report.refused} refusées)")  # fmt: skip
