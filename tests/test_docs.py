"""The documentation is checked: every command is in the README or docs/, every setting in config.toml, and every
dotted name the docs give in backticks (and the code's docstrings in :func: and the like) still exists."""

from __future__ import annotations

import dataclasses
import importlib
import re
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
        elif f.name not in ("sources", "networks", "social", "themes", "zones", "territories", "audiences"):
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


# The project's packages: a backticked `package.module.name` in the docs is a reference to the code.
PACKAGES = ("core", "storage", "watch", "curation", "digest", "subscribers", "delivery", "figures", "admin", "relais",
            "bench")  # fmt: skip
TICKED = re.compile(r"`([a-z_][a-z0-9_]*(?:[.:][A-Za-z_][A-Za-z0-9_]*)+)[^`\n]*`")
ROLE = re.compile(r":(?:func|class|mod|meth|data|attr|obj):`~?([a-z_][a-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)`")


def exists(dotted: str) -> bool:
    """``a.b.c`` (or ``a.b:c``) names a module and attributes of it, the longest importable module first."""
    parts = dotted.replace(":", ".").split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def code_strings() -> set[str]:
    """Every dotted string literal of the code: job names (`subscribers.purge`) and log events
    (`watch.detail_refused`) are names the docs may give too."""
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found.update(re.findall(r"[\"']([a-z_]+(?:\.[a-z_]+)+)[\"']", path.read_text(encoding="utf-8")))
    return found


def test_every_dotted_name_in_the_docs_exists() -> None:
    named = set(code_strings())
    stale = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for ref in TICKED.findall(line):
                if ref.split(".")[0].split(":")[0] in PACKAGES and ref not in named and not exists(ref):
                    stale.append(f"{page.relative_to(ROOT)}:{n}: {ref}")
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for ref in ROLE.findall(line):
                    if ref.split(".")[0] in PACKAGES and not exists(ref):
                        stale.append(f"{path.relative_to(ROOT)}:{n}: {ref}")
    assert stale == [], "names the docs give that the code no longer has:\n" + "\n".join(stale)
