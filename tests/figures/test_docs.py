"""docs/figures.md documents every JSON key and CSV column that the exports produce."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from figures.export import CSV_COLUMNS, to_json
from tests.figures.test_export_and_report import figures

DOC = (Path(__file__).parents[2] / "docs" / "figures.md").read_text(encoding="utf-8")
DOCUMENTED = set(re.findall(r"^\| `([^`]+)` \|", DOC, flags=re.MULTILINE))


def leaves(value: Any, path: str = "") -> set[str]:
    if isinstance(value, dict):
        return {p for k, v in value.items() for p in leaves(v, f"{path}.{k}" if path else k)} or {path}
    if isinstance(value, list):
        return {p for v in value for p in leaves(v, f"{path}[]")} or {path}
    return {path}


def test_every_json_key_is_documented() -> None:
    doc = to_json(figures(2), figures(1, 2025))
    previous = doc.pop("previous")
    assert leaves(previous) == leaves(doc)  # "previous" holds the same keys
    missing = []
    for path in sorted(leaves(doc)):
        # a per-kind or per-outcome map is documented as a whole; a share list by its name
        candidates = {path, path.rsplit(".", 1)[0], path.split("[]")[0]}
        if not candidates & DOCUMENTED:
            missing.append(path)
    assert not missing
    assert "previous" in DOCUMENTED
    for field in ("key", "label", "count", "share"):
        assert f"`{field}`" in DOC  # the share object


def test_every_csv_column_is_documented() -> None:
    assert set(CSV_COLUMNS) <= DOCUMENTED
