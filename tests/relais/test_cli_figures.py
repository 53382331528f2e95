"""``relais figures`` as a user runs it: a real process on a migrated database, zeros or one clear line."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from storage.database import Database
from tests.figures.generated_year import generate, load


def relais(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    return subprocess.run(
        [sys.executable, "-m", "relais", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=Path(__file__).parents[2],
    )


def config(tmp_path: Path, url: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(f'[database]\nurl = "{url}"\n[[taxonomy.zones]]\nslug = "asie"\nlabel = "Asie"\n', encoding="utf-8")
    return p


def test_figures_of_a_generated_year_as_json_and_csv(tmp_path: Path, db: Database, database_url: str) -> None:
    load(db, generate())
    cfg = config(tmp_path, database_url)
    out = relais(cfg, "figures", "--year", "2026", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["period"]["start"] == "2026-01-01" and doc["previous"]["period"]["label"] == "2025"
    assert doc["sends"]["newsletters"] + doc["sends"]["emailings"] > 0
    assert [z["key"] for z in doc["items"]["zones"]] == ["asie"]  # only the configured taxonomy
    target = tmp_path / "chiffres.csv"
    out = relais(cfg, "figures", "--month", "2026-03", "--format", "csv", "--output", str(target))
    assert out.returncode == 0, out.stderr
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "Lettres d'information envoyées".encode() in raw
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert header == ["rubrique", "clé", "libellé", "valeur", "période précédente", "évolution"]
    table = relais(cfg, "figures", "--from", "2026-01-01", "--to", "2026-06-30")
    assert table.returncode == 0 and "Chiffres clés du 01/01/2026 au 30/06/2026" in table.stdout


def test_an_empty_or_future_period_prints_zeros(tmp_path: Path, database_url: str) -> None:
    out = relais(config(tmp_path, database_url), "figures", "--year", "2031", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["sends"]["messages_accepted"] == 0 and doc["workload"]["median_hours_to_approval"] is None
    assert doc["items"]["published"] == dict.fromkeys(("funding", "call", "event", "training", "job", "news"), 0)


def test_malformed_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    cfg = config(tmp_path, f"sqlite:///{tmp_path / 'never-created.db'}")  # refused before the database is opened
    # one case through a real process (the other refusals are covered in tests/figures/test_period.py)
    out = relais(cfg, "figures", "--from", "2026-02-30", "--to", "2026-03-31")
    assert out.returncode == 2 and "le jour « 2026-02-30 » n'existe pas" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
