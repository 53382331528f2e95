"""The ``relais`` command as a user runs it: a real process, a real config file, one clear line on mistakes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from storage.database import Database
from tests.live import free_port


def relais(*args: str, config: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "relais"]
    if config is not None:
        cmd += ["--config", str(config)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    return subprocess.run(
        [*cmd, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=Path(__file__).parents[2]
    )


def make_config(tmp_path: Path, database_url: str, extra: str = "") -> Path:
    p = tmp_path / "config.toml"
    p.write_text(
        f'[database]\nurl = "{database_url}"\n[mail]\noutbox_dir = "outbox"\n'
        '[[sources]]\nname = "Demo"\nurl = "feed.xml"\nkind = "feed"\nitem_kind = "news"\n' + extra,
        encoding="utf-8",
    )
    return p


def test_help_lists_the_commands() -> None:
    out = relais("--help")
    assert out.returncode == 0
    for command in ("db", "config", "serve", "items", "scheduler", "up"):
        assert command in out.stdout


def test_config_check_names_a_misspelled_key(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, "sqlite:///x.db", extra="[web]\nprot = 8000\n")
    out = relais("config", "check", config=cfg)
    assert out.returncode == 2
    assert "clé inconnue « web.prot »" in out.stderr and str(cfg) in out.stderr
    assert "Traceback" not in out.stderr


def test_missing_config_is_one_line(tmp_path: Path) -> None:
    out = relais("db", "status", config=tmp_path / "absent.toml")
    assert out.returncode == 2
    assert "fichier de configuration introuvable" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_upgrade_status_and_listing(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, "sqlite:///var/relais.db")
    before = relais("items", "list", config=cfg)
    assert before.returncode == 2 and "relais db upgrade" in before.stderr
    up = relais("db", "upgrade", config=cfg)
    assert up.returncode == 0, up.stderr
    assert (tmp_path / "var" / "relais.db").exists()  # relative to the config file
    status = json.loads(relais("db", "status", "--format", "json", config=cfg).stdout)
    assert status["up_to_date"] is True and status["tables"]["items"] == 0
    items = relais("items", "list", "--format", "json", config=cfg)
    assert items.returncode == 0 and json.loads(items.stdout) == []
    bad = relais("items", "list", "--status", "nouveau", config=cfg)
    assert bad.returncode == 2 and "--status : une valeur parmi" in bad.stderr


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, "sqlite:///var/relais.db")
    assert relais("db", "upgrade", config=cfg).returncode == 0
    db = Database(f"sqlite:///{tmp_path / 'var' / 'relais.db'}")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    db.dispose()
    out = relais("db", "upgrade", config=cfg)
    assert out.returncode == 2
    assert "plus récente que ce que connaît cette version de Relais" in out.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:1/none")
    out = relais("db", "upgrade", config=cfg)
    assert out.returncode == 2
    assert "injoignable" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_healthz(tmp_path: Path, workers: int) -> None:
    cfg = make_config(tmp_path, "sqlite:///var/relais.db", extra="[scheduler]\nenabled = true\n")
    assert relais("db", "upgrade", config=cfg).returncode == 0
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "relais", "--config", str(cfg), "serve", "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=Path(__file__).parents[2],
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert r.status_code == 200
        assert r.json()["status"] == "ok"
        for _ in range(10):  # every worker answers
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        # exactly one scheduler: its jobs are in the job store
        db = Database(f"sqlite:///{tmp_path / 'var' / 'relais.db'}")
        with db.engine.connect() as conn:
            jobs = conn.execute(text("SELECT id FROM apscheduler_jobs")).scalars().all()
        db.dispose()
        assert "sources.sync" in jobs
    finally:
        proc.terminate()
        proc.wait(timeout=15)
