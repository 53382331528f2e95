"""``relais items``: list what was collected; approve, reject and tag it (the same curation as the admin)."""

from __future__ import annotations

import getpass

import typer

from admin.labels import label
from core.errors import InvalidInput
from core.model import ItemKind, ItemStatus
from curation.actions import BatchResult, Curator
from curation.validate import Taxonomy
from relais.cli.context import services
from relais.cli.output import emit
from storage.items import ItemRepository

app = typer.Typer(help="Les éléments collectés par la veille.", no_args_is_help=True)


def _enum(cls: type[ItemStatus] | type[ItemKind], value: str | None, flag: str) -> ItemStatus | ItemKind | None:
    if value is None:
        return None
    try:
        return cls(value)
    except ValueError:
        raise InvalidInput(f"{flag} : une valeur parmi {', '.join(cls)}, pas « {value} »") from None


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="new | approved | rejected | archived"),
    kind: str | None = typer.Option(None, "--kind", help="funding | call | event | training | job | news"),
    limit: int = typer.Option(200, "--limit", min=1),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Lister les éléments, du plus récent au plus ancien."""
    st = _enum(ItemStatus, status, "--status")
    kd = _enum(ItemKind, kind, "--kind")
    svc = services(ctx)
    with svc.db.session() as s:
        items = ItemRepository(s).find(status=st, kind=kd, limit=limit)  # type: ignore[arg-type]
    emit(
        fmt,
        items,
        title="éléments",
        columns=["n°", "type", "statut", "date limite", "titre", "sources"],
        row=lambda i: [
            i.id,
            label(i.kind, "item_kind"),
            label(i.status, "item"),
            i.deadline.strftime("%d/%m/%Y") if i.deadline else "",
            i.title[:70],
            ", ".join(x.source_name or "" for x in i.sources),
        ],
    )


def _curator(ctx: typer.Context) -> Curator:
    svc = services(ctx)
    return Curator(svc.db, svc.clock, Taxonomy.from_settings(svc.settings.taxonomy))


def _report(fmt: str, verb: str, result: BatchResult) -> None:
    rows = [{"id": i, "result": verb, "reason": ""} for i in result.done]
    rows += [{"id": i, "result": "refused", "reason": why} for i, why in result.refused.items()]
    said = {"approved": "approuvé", "rejected": "écarté", "refused": "refusé"}
    emit(fmt, rows, title="éléments", columns=["n°", "résultat", "raison"],
         row=lambda r: [r["id"], said.get(r["result"], r["result"]), r["reason"]])  # fmt: skip
    if result.refused:
        raise typer.Exit(1)


ACTOR = typer.Option(f"cli:{getpass.getuser()}", "--actor", help="Qui est inscrit dans l'historique de l'élément.")
IDS = typer.Argument(None, help="Identifiants d'éléments.")
REQUIRED_IDS = typer.Argument(..., help="Identifiants d'éléments.")
ADD = typer.Option([], "--add", help="Étiquette à ajouter (répétable) ; accepte une suggestion.")
REMOVE = typer.Option([], "--remove", help="Étiquette à retirer (répétable) ; refuse une suggestion.")


@app.command("approve")
def approve_cmd(
    ctx: typer.Context,
    ids: list[int] | None = IDS,
    all_new: bool = typer.Option(False, "--all-new", help="Approuver tous les éléments encore à trier."),
    actor: str = ACTOR,
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Approuver des éléments (ils entrent dans la prochaine lettre). Code de sortie 1 si l'un est refusé."""
    if bool(ids) == all_new:
        raise InvalidInput("donnez des numéros d'éléments ou --all-new (pas les deux)")
    cur = _curator(ctx)
    _report(fmt, "approved", cur.approve_all_new(actor=actor) if all_new else cur.approve(ids or [], actor=actor))


@app.command("reject")
def reject_cmd(
    ctx: typer.Context,
    ids: list[int] = REQUIRED_IDS,
    actor: str = ACTOR,
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Écarter des éléments. Code de sortie 1 si l'un est refusé."""
    _report(fmt, "rejected", _curator(ctx).reject(ids, actor=actor))


@app.command("tag")
def tag_cmd(
    ctx: typer.Context,
    item_id: int = typer.Argument(..., help="Identifiant de l'élément."),
    add: list[str] = ADD,
    remove: list[str] = REMOVE,
    actor: str = ACTOR,
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Ajouter et retirer des étiquettes d'un élément ; une étiquette hors de la taxonomie est refusée."""
    if not add and not remove:
        raise InvalidInput("rien à faire : donnez --add et/ou --remove")
    item = _curator(ctx).tag(item_id, add=add, remove=remove, actor=actor)
    emit(
        fmt,
        [item],
        title="élément",
        columns=["n°", "étiquettes", "titre"],
        row=lambda i: [i.id, ", ".join(i.tags), i.title[:70]],
    )
