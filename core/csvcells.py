"""CSV cells a spreadsheet cannot run: every CSV Relais writes goes through :class:`SafeWriter`.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel and
LibreOffice (OWASP "CSV injection"): a subscriber's name ``=HYPERLINK(…)`` would run in the staff's spreadsheet.
Such a text cell is written with a leading ``'``, which the spreadsheet shows as text. Numbers are numbers: a
negative figure written as a number stays ``-3``; only text cells are neutralised.

:func:`restore` undoes :func:`neutralise` exactly (``restore(neutralise(x)) == x`` for every text), so an export
imports back unchanged: a text that already starts with ``'`` and a formula character gets a second ``'``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | None


class _Writable(Protocol):
    def write(self, s: str, /) -> object: ...


def _needs_quote(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) or (text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS))


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it without running it."""
    return "'" + text if _needs_quote(text) else text


def restore(text: str) -> str:
    """The text :func:`neutralise` was given (a cell of an export read back by the import)."""
    if text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text


def _plain_number(value: int | float) -> str:
    return str(value)


class SafeWriter:
    """``csv.writer`` whose text cells are neutralised; numbers (``int``, ``float``) go through ``number``
    (for example a decimal comma) and are never prefixed. ``None`` is an empty cell."""

    def __init__(self, out: _Writable, *, number: Callable[[int | float], str] = _plain_number, **fmt: Any) -> None:
        self._writer = csv.writer(out, **fmt)
        self._number = number

    def cell(self, value: Cell) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):  # a bool is an int to Python, a word to a reader
            return neutralise(str(value))
        if isinstance(value, int | float):
            return self._number(value)
        return neutralise(value)

    def writerow(self, row: Iterable[Cell]) -> None:
        self._writer.writerow([self.cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Cell]]) -> None:
        for row in rows:
            self.writerow(row)
