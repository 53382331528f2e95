"""The documentation is checked: every command is in the README or docs/, every setting in config.toml."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_type_hints

import typer

from core.settings import Settings
from relais.cli import app

ROOT = Path(__file__).resolve().parent.parent


def commands(cmd: Any, prefix: str = "relais") -> Iterator[str]:
    subs = getattr(cmd, "commands", None)
    if subs:
        for name, sub in subs.items():
            yield from commands(sub, f"{prefix} {name}")
    else:
        yield prefix


def docs_text() -> str:
    parts = [(ROOT / "README.md").read_text(encoding="utf-8")]
    parts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").rglob("*.md"))]
    return "\n".join(parts)


def test_every_command_is_documented() -> None:
    text = docs_text()
    found = list(commands(typer.main.get_command(app)))
    assert "relais db upgrade" in found and len(found) > 10
    missing = [c for c in found if c not in text]
    assert missing == [], f"commands missing from README.md and docs/: {missing}"


def setting_keys(cls: type[Any], prefix: str = "") -> Iterator[str]:
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name == "path":
            continue
        tp = hints[f.name]
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(tp):
            yield from setting_keys(tp, f"{key}.")  # type: ignore[arg-type]
        elif f.name not in ("sources", "social", "themes", "zones", "territories", "audiences"):
            yield key


def flatten(table: dict[str, Any], prefix: str = "") -> set[str]:
    out = set()
    for k, v in table.items():
        out.add(f"{prefix}{k}")
        if isinstance(v, dict):
            out |= flatten(v, f"{prefix}{k}.")
    return out


def test_every_setting_is_in_the_example_config() -> None:
    example = flatten(tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8")))
    missing = [k for k in setting_keys(Settings) if k not in example]
    assert missing == [], f"settings missing from config.toml: {missing}"
