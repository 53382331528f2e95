"""``relais watch`` and ``relais up`` as an editor runs them, on the bundled demo sources."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

from core.model import Item
from tests.relais.test_cli import relais

ROOT = Path(__file__).parents[2]


def demo_config(tmp_path: Path, database_url: str) -> Path:
    shutil.copytree(ROOT / "demo", tmp_path / "demo")
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^url = "sqlite:///var/relais.db".*$', f'url = "{database_url}"', text)
    text = text.replace('outbox_dir = "var/outbox"', f'outbox_dir = "{tmp_path / "outbox"}"')
    cfg = tmp_path / "config.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def test_watch_run_sources_and_items_list(tmp_path: Path, database_url: str) -> None:
    cfg = demo_config(tmp_path, database_url)
    first = relais("watch", "run", config=cfg)
    assert first.returncode == 0, first.stderr
    for header in ("lue", "inchangée", "nouveaux", "mis à jour", "doublons", "erreur"):
        assert header in first.stdout
    second = relais("watch", "run", "--source", "Agenda de la solidarité (iCalendar)", "--format", "json", config=cfg)
    (only,) = json.loads(second.stdout)
    assert only["outcome"] == "not_modified" and only["parsed"] == 0

    health = json.loads(relais("watch", "sources", "--format", "json", config=cfg).stdout)
    assert len(health) == 5 and all(s["health"]["consecutive_failures"] == 0 for s in health)
    ics = next(s for s in health if s["kind"] == "ical")
    assert ics["health"]["runs"] == 2 and ics["health"]["not_modified_runs"] == 1

    listed = json.loads(relais("items", "list", "--format", "json", config=cfg).stdout)
    assert len(listed) == 49
    assert set(listed[0]) == {f.name for f in dataclasses.fields(Item)}
    merged = [i for i in listed if len(i["sources"]) == 2]
    assert len(merged) == 3 and all(i["suggested_tags"] is not None for i in listed)

    unknown = relais("watch", "run", "--source", "absente", config=cfg)
    assert unknown.returncode == 2 and "source « absente » introuvable" in unknown.stderr


def test_up_collects_the_demo(tmp_path: Path, database_url: str) -> None:
    cfg = demo_config(tmp_path, database_url)
    out = relais("up", "--no-serve", config=cfg)
    assert out.returncode == 0, out.stderr
    assert "collecte: 5 sources collectées : 49 nouveaux éléments" in out.stdout and "0 erreur(s)" in out.stdout


def test_watch_discover_proposes_best_first_in_json_and_says_why_not_in_french(
    tmp_path: Path, database_url: str
) -> None:
    cfg = demo_config(tmp_path, database_url)
    page = str(tmp_path / "demo" / "sources" / "appels.html")  # a file written in config.toml: the policy allows it
    out = relais("watch", "discover", page, "--format", "json", config=cfg)
    assert out.returncode == 0, out.stderr
    proposals = json.loads(out.stdout)
    best = proposals[0]
    assert set(best) >= {"source", "reason", "items"}
    assert set(best["source"]) == {"name", "url", "kind", "item_kind", "options"}
    assert best["source"]["kind"] == "html" and best["source"]["options"]["item"] == "main > article.appel"
    assert best["items"][0]["title"] == "Appel « Solidarité internationale et territoires » 2027"
    table = relais("watch", "discover", page, config=cfg)
    assert table.returncode == 0 and "blocks" in table.stdout
    # a file the config does not declare, and an internal address: refused by the outbound policy, in French
    secret = relais("watch", "discover", str(tmp_path / "config.toml"), "--format", "json", config=cfg)
    assert secret.returncode == 1 and json.loads(secret.stdout) == [] and "fichier local refusé" in secret.stderr
    private = relais("watch", "discover", "http://10.0.0.7/appels/", config=cfg)
    assert private.returncode == 1 and "adresse interne refusée : 10.0.0.7" in private.stderr
