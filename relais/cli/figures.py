"""``relais figures``: the key figures of a year, a month or a date range, as a table, CSV or JSON."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import typer

from core.errors import InvalidInput
from figures.compute import with_previous
from figures.export import rows, to_csv, to_json
from figures.period import parse_period
from relais.cli.context import deployment, services
from relais.cli.output import print_table, write_export

FORMATS = ("table", "csv", "json")


def figures(
    ctx: typer.Context,
    year: str | None = typer.Option(None, "--year", help="Une année civile, ex. 2026."),
    month: str | None = typer.Option(None, "--month", help="Un mois, AAAA-MM."),
    from_: str | None = typer.Option(None, "--from", help="Premier jour inclus, AAAA-MM-JJ (avec --to)."),
    to: str | None = typer.Option(None, "--to", help="Dernier jour inclus, AAAA-MM-JJ (avec --from)."),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
    output: str | None = typer.Option(
        None, "--output", "-o", help="Écrire dans ce fichier plutôt que sur la sortie standard."
    ),
    national: bool = typer.Option(
        False, "--national", help="Plusieurs réseaux : leurs chiffres additionnés, chaque élément partagé une fois."
    ),
) -> None:
    """Les chiffres clés d'une période, comparés à la période de même durée juste avant.

    Sans période : l'année en cours, dans le fuseau horaire du réseau.
    """
    if fmt not in FORMATS:
        raise InvalidInput(f"--format : une valeur parmi {', '.join(FORMATS)}, pas « {fmt} »")
    svc = services(ctx, require_schema=False)  # a malformed period is refused before touching the database
    tz = svc.settings.network.timezone
    today = svc.clock.now().astimezone(ZoneInfo(tz)).date()
    period = parse_period(year_text=year, month_text=month, from_text=from_, to_text=to, tz=tz, today=today)
    svc = deployment(ctx) if national else services(ctx)
    current, previous = with_previous(svc.db, period, svc.settings.taxonomy, national=national)
    if fmt == "table":
        whose = "de tous les réseaux" if national else svc.settings.network.name
        title = f"Chiffres clés {period.label}, {whose} (période précédente : {previous.period.label})"
        table = [[r.section, r.label, r.value, r.previous, r.change] for r in rows(current, previous)]
        print_table(title, ["rubrique", "libellé", "valeur", "précédente", "évolution"], table)
        return
    text = (
        to_csv(current, previous)
        if fmt == "csv"
        else json.dumps(to_json(current, previous), ensure_ascii=False, indent=2) + "\n"
    )
    write_export(text, output)
