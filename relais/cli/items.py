"""``relais items``: list what was collected."""

from __future__ import annotations

import typer

from core.errors import InvalidInput
from core.model import ItemKind, ItemStatus
from relais.cli.context import services
from relais.cli.output import emit
from storage.items import ItemRepository

app = typer.Typer(help="Items collected by the watch.", no_args_is_help=True)


def _enum(cls: type[ItemStatus] | type[ItemKind], value: str | None, flag: str) -> ItemStatus | ItemKind | None:
    if value is None:
        return None
    try:
        return cls(value)
    except ValueError:
        raise InvalidInput(f"{flag} must be one of {', '.join(cls)}, not {value!r}") from None


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="new | approved | rejected | archived"),
    kind: str | None = typer.Option(None, "--kind", help="funding | call | event | training | job | news"),
    limit: int = typer.Option(200, "--limit", min=1),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """List items, newest first."""
    st = _enum(ItemStatus, status, "--status")
    kd = _enum(ItemKind, kind, "--kind")
    svc = services(ctx)
    with svc.db.session() as s:
        items = ItemRepository(s).find(status=st, kind=kd, limit=limit)  # type: ignore[arg-type]
    emit(
        fmt,
        items,
        title="items",
        columns=["id", "kind", "status", "deadline", "title", "sources"],
        row=lambda i: [
            i.id,
            i.kind,
            i.status,
            i.deadline,
            i.title[:70],
            ", ".join(x.source_name or "" for x in i.sources),
        ],
    )
