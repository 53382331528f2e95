"""Rows as the driver returns them, decoded only when needed.

A page that keeps what it rendered from a row (the triage list) only has to know whether the row changed:
comparing the stored values is much cheaper than decoding them (dates parsed on SQLite, JSON loaded, a domain
object built) for every row of every request. :class:`StoredColumns` selects a table's columns undecoded (JSON
as its text, so that a row is a hashable tuple) and decodes one row into the values the ORM would have given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Column, ColumnElement, Dialect, Table, Text, cast, type_coerce
from sqlalchemy.types import NullType


class StoredColumns:
    """The columns of ``table`` (or the ``only`` ones, in that order) to select undecoded on ``dialect``."""

    def __init__(self, table: Table, dialect: Dialect, only: Sequence[str] | None = None) -> None:
        columns: list[Column[Any]] = [table.c[name] for name in only] if only else list(table.columns)
        self.names = [c.name for c in columns]
        self.columns: list[ColumnElement[Any]] = []
        self._decoders: list[Callable[[Any], Any] | None] = []
        for c in columns:
            if isinstance(c.type.dialect_impl(dialect), JSON):
                # PostgreSQL's driver would decode JSONB itself: its text is asked for instead.
                raw = cast(c, Text) if dialect.name == "postgresql" else type_coerce(c, NullType())
                self.columns.append(raw.label(c.name))
                self._decoders.append(_json)
            else:
                self.columns.append(type_coerce(c, NullType()).label(c.name))
                self._decoders.append(c.type.dialect_impl(dialect).result_processor(dialect, None))

    def decode(self, row: Sequence[Any]) -> dict[str, Any]:
        """One selected row's values by column name, as the ORM would have read them."""
        return {
            name: value if decoder is None else decoder(value)
            for name, value, decoder in zip(self.names, row, self._decoders, strict=True)
        }


def _json(value: str | None) -> Any:
    return None if value is None else json.loads(value)
