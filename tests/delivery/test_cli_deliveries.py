"""``relais deliveries`` and ``relais digest send`` as a user runs them: a real process over a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from core.clock import FrozenClock
from core.model import IssueStatus
from delivery.mailers.base import SendResult
from delivery.mailers.memory import MemoryMailer
from delivery.send import send_issue
from storage.database import Database
from storage.issues import IssueRepository
from storage.migrate import upgrade
from tests.delivery.fakes import add_issue, add_subscribers, context

ROOT = Path(__file__).resolve().parents[2]


def relais(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    cmd = [sys.executable, "-m", "relais", "--config", str(cfg), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)


def _world(tmp_path: Path, clock: FrozenClock) -> tuple[Path, Database, int]:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[database]\nurl = "sqlite:///relais.db"\n[mail]\noutbox_dir = "outbox"\n', encoding="utf-8")
    db = Database(f"sqlite:///{tmp_path / 'relais.db'}")
    upgrade(db)
    add_subscribers(db, ["ok@asso.fr", "inconnu@asso.fr"])
    issue = add_issue(db)

    def answer(rcpt: str) -> SendResult:
        if rcpt.startswith("inconnu"):
            return SendResult.from_code(550, "5.1.1 unknown")
        return SendResult.from_code(250, "ok")

    send_issue(context(db, MemoryMailer(answer=answer), clock), issue)
    return cfg, db, issue


def test_the_ledger_as_json(tmp_path: Path, clock: FrozenClock) -> None:
    cfg, db, issue = _world(tmp_path, clock)
    out = relais(cfg, "deliveries", "list", str(issue), "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = {r["email"]: r for r in json.loads(out.stdout)}
    assert rows["ok@asso.fr"]["status"] == "accepted" and rows["ok@asso.fr"]["smtp_reply"] == "250 ok"
    assert rows["inconnu@asso.fr"]["status"] == "bounced" and rows["inconnu@asso.fr"]["smtp_code"] == 550
    assert rows["ok@asso.fr"]["finished_at"] == "2026-11-02T08:00:00+00:00"
    assert rows["ok@asso.fr"]["requeued_after_crash"] is False
    db.dispose()


def test_controls_and_their_mistakes(tmp_path: Path, clock: FrozenClock) -> None:
    cfg, db, issue = _world(tmp_path, clock)
    out = relais(cfg, "deliveries", "pause", str(issue))
    assert out.returncode == 2 and "Action impossible : le numéro est « envoyé »." in out.stderr
    assert relais(cfg, "deliveries", "list", "99").returncode == 2
    draft = add_issue(db, number=2)
    out = relais(cfg, "digest", "send", str(draft), "--at", "2026-12-01T09:00+01:00")
    assert out.returncode == 0, out.stderr
    with db.session() as s:
        found = IssueRepository(s).get(draft)
    assert found.status is IssueStatus.SCHEDULED and found.scheduled_at is not None
    assert found.scheduled_at.isoformat() == "2026-12-01T08:00:00+00:00"
    out = relais(cfg, "digest", "send", str(draft), "--at", "demain")
    assert out.returncode == 2 and "--at : une date et une heure ISO" in out.stderr
    out = relais(cfg, "deliveries", "cancel", str(draft))
    assert out.returncode == 0 and "numéro 2 : annulé" in out.stdout
    db.dispose()
