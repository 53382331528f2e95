"""Spreadsheet formulas never run from a CSV Relais wrote; numbers stay numbers; the import reads back exactly."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from core.csvcells import FORMULA_STARTS, SafeWriter, neutralise, restore

HOSTILE = ["=HYPERLINK(\"https://evil.example\";\"x\")", "+33 4 72 00 00 00", "-1+2", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0"]  # fmt: skip
TRICKY = ["", "'", "''", "'=x", "''=x", "'abc", "a=b", " =x", "Zoé", "'-1", "'\t", "x'", "'''@"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_cell_is_written_as_text(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", HOSTILE + TRICKY)
def test_restore_undoes_neutralise_exactly(text: str) -> None:
    safe = neutralise(text)
    assert not safe.startswith(FORMULA_STARTS)
    assert restore(safe) == text


def test_text_cells_are_neutralised_and_numbers_are_not() -> None:
    out = io.StringIO()
    writer = SafeWriter(out, number=lambda v: str(v).replace(".", ","), delimiter=";")
    writer.writerow(["-1+2", -3, -1.5, None, "ok", True])
    assert next(csv.reader(io.StringIO(out.getvalue()), delimiter=";")) == ["'-1+2", "-3", "-1,5", "", "ok", "True"]


def test_every_csv_writer_of_the_project_is_the_safe_one(root: Path) -> None:
    """A future export cannot forget the guard: ``csv.writer`` and ``csv.DictWriter`` live in core/csvcells.py only."""
    packages = [
        "admin",
        "core",
        "curation",
        "delivery",
        "digest",
        "figures",
        "relais",
        "storage",
        "subscribers",
        "watch",
    ]
    offenders = [
        str(path.relative_to(root))
        for package in packages
        for path in (root / package).rglob("*.py")
        if path.name != "csvcells.py" and re.search(r"\bcsv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
