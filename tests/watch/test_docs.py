"""Every source option the parsers read is documented in docs/sources.md."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_every_source_option_is_documented() -> None:
    doc = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    used: set[str] = set()
    for module in [*(ROOT / "watch").glob("parse*.py"), ROOT / "watch" / "collect.py"]:
        used |= set(re.findall(r"""(?:opts|options)(?:\.get\(|\[)["'](\w+)["']""", module.read_text(encoding="utf-8")))
    assert {"item", "detail", "window_days", "items", "deadline"} <= used  # the scan finds them
    missing = sorted(name for name in used if f"`{name}`" not in doc)
    assert missing == []
