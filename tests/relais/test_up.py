"""The README's main command on the bundled config: collect the demo sources, import the demo subscribers,
approve, build and send the newsletter to the outbox — then the key figures say exactly that."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_relais_up_runs_the_whole_flow_on_the_demo(tmp_path: Path) -> None:
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    shutil.copytree(ROOT / "demo", tmp_path / "demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}

    def relais(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "relais", "--config", str(tmp_path / "config.toml"), *args],
            capture_output=True, text=True, timeout=300, env=env, cwd=ROOT,
        )  # fmt: skip

    up = relais("up", "--no-serve")
    assert up.returncode == 0, up.stderr
    assert "0 erreur(s)" in up.stdout and "compte administrateur créé" in up.stdout
    outbox = sorted((tmp_path / "var" / "outbox").glob("*.eml"))
    # 10 demo subscribers; one asked for thematic emailings only
    assert len(outbox) == 9
    msg = email.message_from_bytes(outbox[0].read_bytes(), policy=email.policy.default)
    assert msg["Subject"].startswith("RESA'CLIC n°1")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    items = json.loads(relais("items", "list", "--status", "approved", "--format", "json").stdout)
    assert len(items) >= 40
    assert any(len(i["sources"]) > 1 for i in items)  # merged across sources

    sends = json.loads(relais("figures", "--year", str(date.today().year), "--format", "json").stdout)["sends"]
    assert (sends["newsletters"], sends["messages_accepted"], sends["distinct_recipients"]) == (1, 9, 9)
    deliveries = json.loads(relais("deliveries", "list", "1", "--format", "json").stdout)
    assert [d["status"] for d in deliveries] == ["accepted"] * 9

    again = relais("up", "--no-serve")  # running it again does no harm and sends nothing twice
    assert again.returncode == 0, again.stderr
    assert len(list((tmp_path / "var" / "outbox").glob("*.eml"))) == 9
