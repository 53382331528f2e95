"""Errors at the terminal: said in French by their code, printed as written (Rich's markup does not eat a
``[subscribers]`` in a message, nor a bracket in an item's title)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.model import Item, ItemKind, ItemStatus
from relais.cli import main
from storage.database import Database
from storage.items import ItemRepository
from storage.migrate import upgrade


@pytest.fixture
def relais(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[int, str, str]]:
    """``relais --config CFG ARGS`` in this process, through the installed command's entry point."""

    def run(cfg: Path, *args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["relais", "--config", str(cfg), *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{url}"\n[network]\nbase_url = "https://relais.example"\n', encoding="utf-8")
    db = Database(url)
    upgrade(db)
    at = datetime(2026, 10, 1, tzinfo=UTC)
    with db.session() as s:
        ItemRepository(s).add(Item(ItemKind.NEWS, "[Appel] Fonds [b]ECSI[/b]", url="https://exemple.org/1",
                                   status=ItemStatus.APPROVED, approved_at=at, collected_at=at))  # fmt: skip
    db.dispose()
    return path


def test_a_message_naming_a_config_table_keeps_its_brackets(
    relais: Callable[..., tuple[int, str, str]], cfg: Path
) -> None:
    code, _, err = relais(cfg, "subscribers", "bounces")
    assert code == 2
    assert "réglez [subscribers] bounce_maildir" in err  # Rich read « [subscribers] » as a style and dropped it


def test_an_error_is_said_in_french_by_its_code(relais: Callable[..., tuple[int, str, str]], cfg: Path) -> None:
    code, _, err = relais(cfg, "digest", "edit", "remove", "42", "1")
    assert code == 2 and "numéro « 42 » introuvable" in err and "not found" not in err


def test_a_table_shows_a_title_with_brackets_as_written(relais: Callable[..., tuple[int, str, str]], cfg: Path) -> None:
    code, out, _ = relais(cfg, "items", "list", "--status", "approved")
    assert code == 0 and "[Appel]" in out and "[b]ECSI[/b]" in out
