"""``relais items approve|reject|tag``: the admin's curation from a terminal, as a real process."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from core.model import ItemStatus
from storage.database import Database
from storage.items import ItemRepository
from tests.relais.test_cli import make_config, relais
from tests.seed import seed

TAXONOMY = """
[[taxonomy.themes]]
slug = "eau"
label = "Eau et assainissement"
[[taxonomy.themes]]
slug = "ecsi"
label = "ECSI"
[[taxonomy.zones]]
slug = "afrique"
label = "Afrique subsaharienne"
"""


def test_approve_reject_and_tag_from_the_command_line(tmp_path: Path, db: Database, database_url: str) -> None:
    ids = seed(db, datetime.now(UTC))
    cfg = make_config(tmp_path, database_url, TAXONOMY)

    out = relais("items", "approve", str(ids[0]), str(ids[1]), "999999", "--actor", "nadia@example.org",
                 "--format", "json", config=cfg)  # fmt: skip
    assert out.returncode == 1, out.stderr  # one id was refused: said per item, and the exit code tells
    rows = json.loads(out.stdout)
    assert [(r["id"], r["result"]) for r in rows] == [(ids[0], "approved"), (ids[1], "approved"), (999999, "refused")]

    assert relais("items", "reject", str(ids[2]), config=cfg).returncode == 0
    tag = relais("items", "tag", str(ids[1]), "--add", "ecsi", "--remove", "eau", config=cfg)
    assert tag.returncode == 0, tag.stderr
    unknown = relais("items", "tag", str(ids[1]), "--add", "climat", config=cfg)
    assert unknown.returncode == 2 and "climat" in unknown.stderr
    both = relais("items", "approve", str(ids[3]), "--all-new", config=cfg)
    assert both.returncode == 2 and "pas les deux" in both.stderr

    rest = relais("items", "approve", "--all-new", "--format", "json", config=cfg)
    assert rest.returncode == 0 and len(json.loads(rest.stdout)) == 3

    with db.session() as s:
        repo = ItemRepository(s)
        first, second, third = repo.get(ids[0]), repo.get(ids[1]), repo.get(ids[2])
        events = repo.events(ids[0])
    assert first.status is ItemStatus.APPROVED and first.approved_by == "nadia@example.org"
    assert events[0]["actor"] == "nadia@example.org"
    assert second.tags == ["38", "ecsi"] and second.suggested_tags == []  # its département is a tag too
    assert third.status is ItemStatus.REJECTED
