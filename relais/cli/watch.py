"""``relais watch``: collect now, and the health of each source."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from admin.labels import label
from core.model import Source
from relais.cli.context import console, err_console, services
from relais.cli.output import emit, print_json, print_table, say
from relais.heap import freeze_startup
from relais.wiring import sync_sources, watch_service

if TYPE_CHECKING:  # the parsers are heavy to import: only `relais watch run` pays for them
    from watch.collect import SourceResult

app = typer.Typer(
    help="La veille : collecter maintenant, voir l'état des sources, découvrir comment suivre une page.",
    no_args_is_help=True,
)


@app.command("run")
def run_cmd(
    ctx: typer.Context,
    source: list[str] = typer.Option(None, "--source", "-s", help="Collecter seulement cette source (répétable)."),
    force: bool = typer.Option(False, "--force", help="Ignorer les pauses après échec et la fraîcheur Cache-Control."),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Collecter maintenant les sources actives (ou celles nommées), avec une barre de progression et un tableau."""
    svc = services(ctx)
    sync_sources(svc)
    watch = watch_service(svc)
    freeze_startup()  # before the collection: its garbage collections then walk only what it makes
    names = source or None
    total = len(watch.sources(names))
    with Progress(
        TextColumn("[bold]collecte[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
        disable=fmt == "json",
    ) as bar:
        task = bar.add_task("", total=total)

        def advance(r: SourceResult) -> None:
            bar.update(task, advance=1, description=r.source[:40])

        try:
            results = watch.collect(names, force=force, progress=advance)
        finally:
            watch.close()
    if fmt == "json":
        emit(fmt, results, title="", columns=[], row=None)
        return
    print_table("collection", COLUMNS, [_row(r) for r in results])


COLUMNS = ["source", "lue", "inchangée", "nouveaux", "mis à jour", "doublons", "erreur"]


def _row(r: SourceResult) -> list[Any]:
    return [
        r.source,
        "✓" if r.outcome == "fetched" else "",
        "✓" if r.outcome == "not_modified" else ("pas encore" if r.outcome == "skipped" else ""),
        r.new,
        r.updated,
        r.duplicates,
        (r.error_french or r.error or "")[:80] if r.outcome == "error" else "",
    ]


@app.command("sources")
def sources_cmd(
    ctx: typer.Context,
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Chaque source et son état : dernier succès et dernière erreur, échecs de suite, éléments, part des 304."""
    svc = services(ctx)
    with svc.db.session() as s:
        from storage.sources import SourceRepository

        found = SourceRepository(s).find()
    emit(
        fmt,
        found,
        title="sources",
        columns=[
            "nom",
            "format",
            "active",
            "dernier succès",
            "échecs",
            "en pause jusqu'au",
            "éléments",
            "304 %",
            "collectes sans élément",
            "dernière erreur",
        ],
        row=_health_row,
    )


def _health_row(src: Source) -> list[Any]:
    h = src.health
    share = h.not_modified_runs / h.runs if h.runs else 0.0
    return [
        src.name,
        label(src.kind, "source_kind"),
        "oui" if src.enabled else "non",
        h.last_success_at.strftime("%d/%m/%Y %H:%M") if h.last_success_at else "",
        h.consecutive_failures,
        h.backoff_until.strftime("%d/%m/%Y %H:%M") if h.backoff_until else "",
        h.last_items,
        f"{share:.0%}",
        h.zero_item_runs,
        (h.last_error or "")[:60],
    ]


@app.command("discover")
def discover_cmd(
    ctx: typer.Context,
    url: str = typer.Argument(..., help="L'adresse d'une page, d'un flux ou d'un agenda."),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Proposer des façons de suivre une page, la meilleure d'abord : les flux et agendas qu'elle déclare (ou les
    chemins de flux courants), ses données schema.org, ses blocs répétés avec leurs sélecteurs CSS ; chacune avec un
    aperçu de ses éléments."""
    svc = services(ctx, require_schema=False)
    watch = watch_service(svc)
    try:
        found = watch.discover(url)
    finally:
        watch.close()
    if fmt == "json":
        print_json(found.as_list())
    elif found.proposals:
        rows = [
            [i + 1, p.way, p.source.kind, p.source.url[:60], _options(p.source.options), len(p.items),
             (p.items[0].title[:50] if p.items else p.error or "")[:60], p.reason[:70]]
            for i, p in enumerate(found.proposals)
        ]  # fmt: skip
        columns = ["n°", "façon", "format", "adresse", "options", "éléments", "premier élément", "pourquoi"]
        print_table(found.title[:80], columns, rows)
    if found.problem:
        err_console.print(say(found.problem))
    if not found.proposals or found.problem:
        raise typer.Exit(1)


def _options(options: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in options.items())[:80]
