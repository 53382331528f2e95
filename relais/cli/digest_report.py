"""``relais digest report ISSUE``: one issue's report (ledger, bounces, complaints, unsubscribes, clicks per item,
rates against Gmail and Yahoo's thresholds) as a table, CSV or JSON."""

from __future__ import annotations

import json

import typer

from core.errors import InvalidInput
from figures.issue_report import COMPLAINT_LIMIT, lines, percent, to_csv
from figures.issue_reports import issue_report
from relais.cli.context import console, services
from relais.cli.output import print_table, say, write_export

FORMATS = ("table", "csv", "json")
_RATES = {"complaint_rate", "bounce_rate", "unsubscribe_rate"}


def report(
    ctx: typer.Context,
    issue_id: int = typer.Argument(..., help="L'identifiant du numéro ou de l'emailing."),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
    output: str | None = typer.Option(
        None, "--output", "-o", help="Écrire dans ce fichier plutôt que sur la sortie standard."
    ),
) -> None:
    """Le bilan d'un envoi : remis, rejets, plaintes, désinscriptions, clics par contenu, taux et seuils."""
    if fmt not in FORMATS:
        raise InvalidInput(f"--format : une valeur parmi {', '.join(FORMATS)}, pas « {fmt} »")
    r = issue_report(services(ctx).db, issue_id)
    if fmt == "table":
        rows = [[label, percent(v) if key in _RATES else v] for key, label, v in lines(r)]
        print_table(f"Bilan de « {r.title} » (n° {r.issue_id})", ["", "valeur"], rows)
        print_table(
            "Clics par contenu", ["contenu", "rubrique", "clics"], [[i.title, i.section, i.clicks] for i in r.items]
        )
        for w in r.warnings:
            console.print(f"[bold red]Attention[/] : {say(w)}")
        if not r.warnings:
            console.print(f"Plaintes sous le seuil de {percent(COMPLAINT_LIMIT)} de Gmail et Yahoo.")
        return
    text = to_csv(r) if fmt == "csv" else json.dumps(r.to_json(), ensure_ascii=False, indent=2) + "\n"
    write_export(text, output)
