"""``relais subscribers`` as a script uses it: import (dry run, confirmed), list, export, purge, bounces."""

from __future__ import annotations

import csv
import io
import json
import mailbox
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from relais.cli import app

DATA = Path(__file__).parent / "data"


def config(tmp_path: Path, database_url: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(
        f'[database]\nurl = "{database_url}"\n[mail]\noutbox_dir = "outbox"\n[web]\nsecret_key = "k{"x" * 40}"\n'
        '[[taxonomy.themes]]\nslug = "eau"\nlabel = "Eau"\n',
        encoding="utf-8",
    )
    return p


pytestmark = pytest.mark.usefixtures("in_process_cli")


def invoke(cfg: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--config", str(cfg), "subscribers", *args])


def run(cfg: Path, *args: str) -> tuple[int, str]:
    result = invoke(cfg, *args)
    return result.exit_code, result.output


def test_import_list_export(tmp_path: Path, database_url: str) -> None:
    cfg = config(tmp_path, database_url)
    sheet = tmp_path / "adherents.csv"
    sheet.write_bytes("email;nom;thématiques\nA@exemple.fr;Zoé;eau\nfaux;X;\n".encode("cp1252"))

    code, out = run(cfg, "import", str(sheet), "--dry-run", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["dry_run"] and report["summary"]["created"] == 1 and report["summary"]["failed"] == 1
    assert json.loads(run(cfg, "list", "--format", "json")[1]) == []

    code, out = run(cfg, "import", str(sheet), "--confirmed", "--basis", "adhérents 2026")
    assert code == 0 and "1 à ajouter ou ajoutée(s)" in out and "faux" in out

    listed = json.loads(run(cfg, "list", "--status", "confirmed", "--format", "json")[1])
    assert [s["email"] for s in listed] == ["a@exemple.fr"] and listed[0]["legal_basis"] == "adhérents 2026"
    rows = list(csv.DictReader(io.StringIO(run(cfg, "export")[1])))
    assert rows[0]["email"] == "a@exemple.fr" and rows[0]["name"] == "Zoé" and rows[0]["themes"] == "eau"
    assert json.loads(run(cfg, "export", "--format", "json")[1])[0]["status"] == "confirmed"


def test_unconfirmed_import_sends_confirmations_to_the_outbox(tmp_path: Path, database_url: str) -> None:
    cfg = config(tmp_path, database_url)
    sheet = tmp_path / "a.csv"
    sheet.write_text("email\nb@exemple.fr\n", encoding="utf-8")
    assert run(cfg, "import", str(sheet))[0] == 0
    (eml,) = (tmp_path / "outbox").glob("*.eml")
    assert b"/confirm/" in eml.read_bytes()
    assert "0 inscription(s) jamais confirmée(s) effacée(s)" in run(cfg, "purge")[1]  # not yet past the delay


def test_mistakes_are_one_clear_line(tmp_path: Path, database_url: str) -> None:
    cfg = config(tmp_path, database_url)
    sheet = tmp_path / "a.csv"
    sheet.write_text("nom\nZoé\n", encoding="utf-8")
    for args, message in [
        (("import", str(sheet)), "email"),
        (("import", str(tmp_path / "absent.csv")), "fichier introuvable"),
        (("import", str(sheet), "--confirmed"), "basis"),
        (("list", "--status", "happy"), "--status"),
        (("export", "--format", "xml"), "--format"),
    ]:
        result = invoke(cfg, *args)
        assert result.exit_code != 0 and message in str(result.exception), args


def test_bounces_from_a_maildir(tmp_path: Path, database_url: str) -> None:
    cfg = config(tmp_path, database_url)
    sheet = tmp_path / "a.csv"
    sheet.write_text("email\ngone@exemple.fr\n", encoding="utf-8")
    run(cfg, "import", str(sheet), "--confirmed", "--basis", "b")
    box = mailbox.Maildir(str(tmp_path / "dsn"), create=True)
    box.add((DATA / "dsn_hard.eml").read_bytes())
    code, out = run(cfg, "bounces", "--maildir", str(tmp_path / "dsn"), "--format", "json")
    assert code == 0 and json.loads(out.split("\n1 messages")[0]) == [["gone@exemple.fr", "hard"]]
    assert json.loads(run(cfg, "list", "--format", "json")[1])[0]["status"] == "bounced"
