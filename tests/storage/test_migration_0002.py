"""Migration 0002 over a database filled at 0001: subscribers' segment masks come from their stored preferences,
ledger rows are not flagged as requeued, nothing is lost."""

from __future__ import annotations

import json

from sqlalchemy import text

from core.model import ItemKind, Stream
from storage.database import Database
from storage.migrate import upgrade
from storage.subscribers import SubscriberRepository
from subscribers.segments import count

PEOPLE = [
    ("eau@exemple.fr", {"kinds": [], "themes": ["eau"], "zones": [], "territories": [], "streams": ["newsletter"]}),
    (
        "tout@exemple.fr",
        {"kinds": [], "themes": [], "zones": [], "territories": [], "streams": ["newsletter", "emailing"]},
    ),
    (
        "emplois69@exemple.fr",
        {"kinds": ["job"], "themes": ["eau", "sante"], "zones": [], "territories": ["69"], "streams": ["emailing"]},
    ),
    ("ancien@exemple.fr", {}),  # an old row without any preference key: everything, both streams
]


def test_upgrade_from_0001_keeps_rows_and_computes_masks(empty_db: Database) -> None:
    upgrade(empty_db, "0001")
    with empty_db.engine.begin() as conn:
        for i, (email, prefs) in enumerate(PEOPLE, start=1):
            conn.execute(
                text(
                    "INSERT INTO subscribers (id, email, status, preferences, locale, soft_bounces, token_version) "
                    "VALUES (:id, :email, 'confirmed', :prefs, 'fr', 0, 0)"
                ),
                {"id": i, "email": email, "prefs": json.dumps(prefs)},
            )
        conn.execute(text("INSERT INTO issues (id, kind, title, subject, editorial, template, audience, status) "
                          "VALUES (1, 'newsletter', 't', 's', '', 'newsletter', '{}', 'sent')"))  # fmt: skip
        conn.execute(text("INSERT INTO deliveries (issue_id, subscriber_id, email, segment, message_id, status, "
                          "attempts) VALUES (1, 1, 'eau@exemple.fr', 'k', '<m@x>', 'accepted', 1)"))  # fmt: skip
    upgrade(empty_db)

    with empty_db.session() as s:
        assert len(SubscriberRepository(s).find()) == 4
        flags = s.execute(text("SELECT requeued_after_crash FROM deliveries")).scalars().all()
    assert [bool(f) for f in flags] == [False]

    assert count(empty_db, {"themes": ["eau"]}, Stream.NEWSLETTER) == 3  # eau, tout, ancien; not emailing-only
    assert count(empty_db, {"themes": ["sante"]}, Stream.EMAILING) == 3  # tout, emplois69, ancien
    assert count(empty_db, {"kinds": [str(ItemKind.NEWS)]}, Stream.EMAILING) == 2  # emplois69 wants jobs only
    assert count(empty_db, {"territories": ["38"], "kinds": [str(ItemKind.JOB)]}, Stream.EMAILING) == 2
