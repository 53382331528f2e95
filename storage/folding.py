"""Search that ignores case and accents, the same on both engines: a column compared through :func:`folded`
matches a pattern made with :func:`core.text.fold`.

SQLite gets ``relais_fold``, :func:`core.text.fold` itself registered on each connection (deterministic, so the
planner may use it like a built-in). PostgreSQL needs no extension: ``translate`` maps each accented letter (either
case) to its plain lower-case one and ``lower`` does the rest; the table is derived from :func:`core.text.fold` over
Latin-1 and Latin Extended-A, so both engines fold the same letters (``unaccent`` would need a superuser to install).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, func

from core.text import fold

SQLITE_FUNCTION = "relais_fold"


def _table() -> tuple[str, str, dict[str, str]]:
    plain_from, plain_to, longer = [], [], {}
    for code in range(0xC0, 0x180):
        char = chr(code)
        folded = fold(char)
        if folded == char:
            continue
        if len(folded) == 1:
            plain_from.append(char)
            plain_to.append(folded)
        else:  # œ, æ, ß…: written out after lower()
            longer[char] = folded
    return "".join(plain_from), "".join(plain_to), longer


_FROM, _TO, _LONGER = _table()


def register_sqlite(dbapi_conn: Any) -> None:
    """Make ``relais_fold(text)`` available on a new SQLite connection."""
    dbapi_conn.create_function(SQLITE_FUNCTION, 1, _sqlite_fold, deterministic=True)


def _sqlite_fold(value: object) -> str | None:
    return fold(value) if isinstance(value, str) else None


def folded(column: Any, dialect: str) -> ColumnElement[str]:
    """``column`` folded in SQL as :func:`core.text.fold` folds in Python."""
    if dialect == "sqlite":
        called: ColumnElement[str] = getattr(func, SQLITE_FUNCTION)(column, type_=String)
        return called
    expr: ColumnElement[str] = func.lower(func.translate(column, _FROM, _TO), type_=String)
    for char, plain in _LONGER.items():
        expr = func.replace(expr, char, plain, type_=String)
    return expr
