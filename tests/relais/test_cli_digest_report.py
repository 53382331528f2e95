"""``relais digest report ISSUE``: the report of a sent issue as a table, CSV and JSON, clicks per item included."""

from __future__ import annotations

import io
import json
import sys
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from core.model import BounceKind
from storage.clicks import ClickRepository
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.subscribers import SubscriberRepository
from tests.delivery.dns_server import silent_server
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


def test_before_a_send_the_cli_says_the_last_sends_complaints_and_the_dns(
    relais: Callable[..., Run],  # noqa: F811
    cfg: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert relais(cfg, "build", "newsletter").stdout.strip() == "1"
    assert relais(cfg, "approve", "1").returncode == 0
    assert relais(cfg, "send", "1", "--yes").returncode == 0
    db = Database(tomllib.loads(cfg.read_text())["database"]["url"])
    with db.session() as s:
        first = DeliveryRepository(s).for_issue(1)[0]
        SubscriberRepository(s).add_bounce(first.subscriber_id, BounceKind.COMPLAINT, "arf", "abuse",
                                           datetime.now(UTC), first.id)  # fmt: skip
    db.dispose()
    built = relais(cfg, "build", "emailing", "--items", "2", "--subject", "Une offre")
    emailing = built.stdout.strip()
    assert emailing == "2", built.stderr
    with silent_server() as server:  # a DNS server that never answers: « non vérifié », and no wait on the network
        cfg.write_text(cfg.read_text() + f'[mail]\ndns_servers = ["{server}"]\ndns_timeout = 0.2\n', encoding="utf-8")
        monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
        asked = relais(cfg, "send", emailing)
    assert asked.returncode != 0  # answered no: nothing sent
    said = " ".join((asked.stdout + asked.stderr).split())
    assert "Envoi précédent : Plaintes : 50,00 % des messages remis, au-delà du seuil de 0,3 %" in said
    assert "DNS de l'expéditeur : à surveiller — spf : SPF de example.org : non vérifié" in said
