"""Tables for people, JSON for scripts. ``--format json`` prints an array of objects with every stored field."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from core.errors import InvalidInput
from core.messages import describe
from relais.cli.context import console


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def french(exc: Exception) -> str:
    """An error for the person at the terminal, by its code (core.messages: an issue's status in words); an error
    without a template shows its own message. Plain text: escape it before Rich prints it (:func:`say`)."""
    from admin.issue_errors import shown

    return describe(exc, show=shown())


def say(text: object) -> str:
    """``text`` (a message, a title, a server's reply: anything not written here) as Rich prints it literally:
    « réglez [subscribers] bounce_maildir » would otherwise lose its ``[subscribers]`` to Rich's markup."""
    return escape(str(text))


def print_json(value: Any) -> None:
    print(json.dumps(jsonable(value), ensure_ascii=False, indent=2))


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=say(title), title_justify="left")
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*["" if v is None else say(jsonable(v)) for v in r])  # cells are Rich markup too
    console.print(table)


def emit(fmt: str, objects: Sequence[Any], *, title: str, columns: Sequence[str], row: Any) -> None:
    """Print ``objects`` as JSON (every field) or as a table of ``columns`` built by ``row(obj)``."""
    if fmt == "json":
        print_json(list(objects))
    elif fmt == "table":
        print_table(title, columns, [row(o) for o in objects])
    else:
        from core.errors import InvalidInput

        raise InvalidInput(f"--format : « table » ou « json », pas « {fmt} »")


def write_export(text: str, output: str | None) -> None:
    """An export (CSV, JSON) to the ``--output`` file, or to standard output as UTF-8 bytes whatever the terminal."""
    if output is not None:
        try:
            Path(output).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise InvalidInput(f"--output : impossible d'écrire {output} : {exc.strerror}") from None
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
