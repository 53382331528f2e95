"""``relais users`` and the first admin of ``relais up``: the password policy applies, a new password ends the
account's sessions, and the first admin's password reaches the terminal but never a log record."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from admin.accounts import authenticate
from core.clock import SystemClock
from relais.cli import app
from storage.database import Database
from storage.users import UserRepository

ROOT = Path(__file__).resolve().parents[2]


def config(tmp_path: Path, database_url: str, extra: str = "") -> Path:
    p = tmp_path / "config.toml"
    p.write_text(
        f'[database]\nurl = "{database_url}"\n{extra}\n[mail]\noutbox_dir = "outbox"\n'
        f'[web]\nsecret_key = "k{"x" * 40}"\n',
        encoding="utf-8",
    )
    return p


@pytest.mark.usefixtures("in_process_cli")
def test_users_add_and_passwd_refuse_short_and_common_passwords(tmp_path: Path, database_url: str) -> None:
    cfg = config(tmp_path, database_url)

    def users(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(app, ["--config", str(cfg), "users", *args], input=stdin)

    for password, why in (("court", "au moins 12 caractères"), ("123456789012", "trop courant"),
                          ("MotDePasse123", "trop courant"), ("azertyuiopqsd", "trop courant")):  # fmt: skip
        result = users("add", "a@example.org", "--role", "admin", "--password-stdin", stdin=password + "\n")
        assert result.exit_code != 0 and why in str(result.exception), password
    assert users("add", "a@example.org", "--password-stdin", stdin="un mot de passe solide\n").exit_code == 0
    assert users("passwd", "a@example.org", "--password-stdin", stdin="motdepasse2024\n").exit_code != 0
    db = Database(database_url)
    try:
        with db.session() as s:
            before = UserRepository(s).by_email("a@example.org")
        result = users("passwd", "a@example.org")
        assert result.exit_code == 0 and "toutes les sessions de ce compte ont pris fin" in result.output
        generated = re.search(r"mot de passe changé pour a@example\.org : (\S+)", result.output)
        assert generated is not None
        with db.session() as s:
            after = UserRepository(s).by_email("a@example.org")
        assert before is not None and after is not None and after.session_version == before.session_version + 1
        assert authenticate(db, "a@example.org", generated.group(1), now=SystemClock().now()) is not None
    finally:
        db.dispose()


def test_the_first_admin_password_is_printed_once_and_never_logged(tmp_path: Path, database_url: str) -> None:
    """``relais up`` with the most talkative logging there is: JSON records at debug level, SQL echoed."""
    cfg = config(tmp_path, database_url, extra='echo = true\n[logging]\nlevel = "debug"\nformat = "json"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}

    def up() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "relais", "--config", str(cfg), "up", "--no-serve"],
                              capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)  # fmt: skip

    first = up()
    assert first.returncode == 0, first.stderr
    shown = re.search(r"compte administrateur créé : (\S+) / (\S+)", first.stdout)
    assert shown is not None, first.stdout  # on the terminal (stdout)…
    email, password = shown.groups()
    records = [json.loads(line) for line in first.stderr.splitlines() if line.startswith("{")]
    assert len(records) > 10 and any(r["logger"].startswith("sqlalchemy") for r in records)  # logging was on
    assert password not in first.stderr  # …in no log record
    assert not list(tmp_path.rglob("*.log"))  # and no log file was written beside
    db = Database(database_url)
    try:
        assert authenticate(db, email, password, now=SystemClock().now()) is not None
    finally:
        db.dispose()

    again = up()  # once: the next run does not show it again
    assert again.returncode == 0 and password not in again.stdout + again.stderr
    assert "des comptes existent" in again.stdout
