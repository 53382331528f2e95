"""``relais digest report ISSUE``: the report of a sent issue as a table, CSV and JSON, clicks per item included."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path

from storage.clicks import ClickRepository
from storage.database import Database
from tests.relais.test_cli_digest import Run, cfg, relais  # noqa: F401 - the fixtures of `relais digest`'s tests


def test_the_report_of_a_sent_issue_in_three_formats(relais: Callable[..., Run], cfg: Path, tmp_path: Path) -> None:  # noqa: F811
    assert relais(cfg, "build", "newsletter").stdout.strip() == "1"
    assert relais(cfg, "approve", "1").returncode == 0
    sent = relais(cfg, "send", "1", "--yes")
    assert sent.returncode == 0, sent.stderr
    db = Database(tomllib.loads(cfg.read_text())["database"]["url"])
    with db.session() as s:
        for _ in range(3):
            ClickRepository(s).add(1, 2, date(2026, 12, 5))
    db.dispose()

    as_json = json.loads(relais(cfg, "report", "1", "--format", "json").stdout)
    assert (as_json["recipients"], as_json["accepted"], as_json["clicks"]) == (2, 2, 3)
    assert as_json["items"][0] == {"item_id": 2, "title": "Item 2", "section": as_json["items"][0]["section"],
                                   "clicks": 3}  # fmt: skip
    out = tmp_path / "rapport.csv"
    assert relais(cfg, "report", "1", "--format", "csv", "--output", str(out)).returncode == 0
    assert out.read_bytes().decode("utf-8").startswith("\ufeffclé;libellé;valeur\r\nrecipients;Destinataires;2")
    table = relais(cfg, "report", "1").stdout
    assert "Remis au serveur destinataire" in table and "Plaintes sous le seuil" in table
    missing = relais(cfg, "report", "9")
    assert missing.returncode != 0 and "9" in missing.stderr
