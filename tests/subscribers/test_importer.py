"""CSV import: the encodings people's spreadsheets produce, row-by-row reports, and nothing lost."""

from __future__ import annotations

from typing import Any

import pytest

from core.clock import FrozenClock
from core.errors import InvalidInput
from core.model import AlertRhythm, ItemKind, Stream, SubscriberStatus
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.exporter import to_csv
from subscribers.importer import decode, import_csv, parse_csv
from subscribers.kit import SubscriberKit

GOOD = (
    "email,name,organisation_type,themes,territories,streams\n"
    "Alice@Exemple.fr,Alice,association,eau;sante,69,newsletter\n"
    "bob@exemple.fr,Bob,,,,\n"
)


def run(kit: SubscriberKit, db: Database, clock: FrozenClock, data: bytes, **kw: Any) -> Any:
    return import_csv(db, clock, data, kit.choices, **kw)


def everyone(db: Database) -> dict[str, Any]:
    with db.session() as s:
        return {x.email: x for x in SubscriberRepository(s).find()}


def test_confirmed_import_records_the_legal_basis(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    report = run(kit, db, clock, GOOD.encode(), confirmed=True, basis="adhérents 2026")
    assert report.summary["created"] == 2
    alice = everyone(db)["alice@exemple.fr"]
    assert alice.status == SubscriberStatus.CONFIRMED and alice.legal_basis == "adhérents 2026"
    assert alice.preferences.themes == ["sante", "eau"]  # taxonomy order and alice.preferences.territories == ["69"]
    with db.session() as s:
        assert SubscriberRepository(s).consent_events(alice.id)[0]["details"] == {
            "basis": "adhérents 2026",
            "confirmed": True,
        }


def test_confirmed_needs_a_basis(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    with pytest.raises(InvalidInput, match="basis"):
        run(kit, db, clock, GOOD.encode(), confirmed=True)


def test_unconfirmed_import_asks_each_person(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    asked: list[str] = []
    run(kit, db, clock, GOOD.encode(), on_pending=lambda s: asked.append(s.email))
    assert sorted(asked) == ["alice@exemple.fr", "bob@exemple.fr"]
    assert {s.status for s in everyone(db).values()} == {SubscriberStatus.PENDING}


def test_excel_windows_1252_with_semicolons(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    data = "courriel;Nom;Thématiques\r\nzoe@exemple.fr;Zoé Lefèvre;éducation\r\n".replace("éducation", "education")
    report = run(kit, db, clock, data.encode("cp1252"), confirmed=True, basis="b")
    assert report.encoding == "windows-1252" and report.delimiter == ";"
    assert everyone(db)["zoe@exemple.fr"].name == "Zoé Lefèvre"


def test_utf8_with_bom_and_mixed_lines() -> None:
    assert decode("\ufeffemail\n".encode())[0] == "email\n"
    text, encoding = decode("email,name\na@x.fr,Zoé\n".encode() + "b@x.fr,Hélène\n".encode("cp1252"))
    assert encoding == "mixed" and "Zoé" in text and "Hélène" in text


def test_failing_rows_are_listed_and_the_rest_go_in(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    data = (
        b"email,name,themes\n"
        b"ok@exemple.fr,Ok,eau\n"
        b"pas-une-adresse,X,\n"
        b"theme@exemple.fr,Y,astrologie\n"
        b"OK@exemple.fr,doublon,\n"
    )
    report = run(kit, db, clock, data, confirmed=True, basis="b")
    outcomes = [(r.line, r.outcome) for r in report.rows]
    assert outcomes == [(2, "created"), (3, "failed"), (4, "failed"), (5, "duplicate")]
    assert "astrologie" in report.rows[2].reason and "ligne 2" in report.rows[3].reason
    assert list(everyone(db)) == ["ok@exemple.fr"]


def test_dry_run_reports_and_changes_nothing(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    run(kit, db, clock, b"email\nbob@exemple.fr\n", confirmed=True, basis="b")
    report = run(kit, db, clock, GOOD.encode(), dry_run=True, confirmed=True, basis="b")
    assert [r.outcome for r in report.rows] == ["created", "exists"]
    assert list(everyone(db)) == ["bob@exemple.fr"]


def test_existing_subscribers_are_left_alone(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    run(kit, db, clock, b"email,themes\nbob@exemple.fr,eau\n", confirmed=True, basis="b")
    run(kit, db, clock, b"email,themes\nbob@exemple.fr,sante\n", confirmed=True, basis="c")
    bob = everyone(db)["bob@exemple.fr"]
    assert bob.preferences.themes == ["eau"] and bob.legal_basis == "b"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,themes\nAlice,eau\n", "email"),
        (b"email,colour\na@x.fr,red\n", "colour"),
        (b"", "vide"),
        (b"email,courriel\na@x.fr,b@x.fr\n", "double"),
    ],
)
def test_bad_headers_are_refused_whole(kit: SubscriberKit, db: Database, clock: FrozenClock, data: bytes,
                                       message: str) -> None:  # fmt: skip
    with pytest.raises(InvalidInput, match=message):
        run(kit, db, clock, data, confirmed=True, basis="b")
    assert everyone(db) == {}


def test_an_export_imports_back(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    run(kit, db, clock, GOOD.encode(), confirmed=True, basis="b")
    exported = to_csv(list(everyone(db).values()))
    report = run(kit, db, clock, exported.encode(), dry_run=True)
    assert [r.outcome for r in report.rows] == ["exists", "exists"]


def test_awkward_characters_survive_the_bulk_path(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    name = 'Zoé \\N «\\» l\'"asso"\tn°1\nsuite'
    data = ("email,name\n" + 'z@exemple.fr,"' + name.replace('"', '""') + '"\nn@exemple.fr,\n').encode()
    run(kit, db, clock, data, confirmed=True, basis="tab\there \\ back")
    people = everyone(db)
    assert people["z@exemple.fr"].name == name and people["n@exemple.fr"].name is None
    assert people["z@exemple.fr"].legal_basis == "tab\there \\ back"


def test_bulk_ids_follow_the_rows_after_deletions_and_across_batches(
    kit: SubscriberKit, db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids are chosen before the rows go in: each subscriber's consent events must carry its own id."""
    import subscribers.importer as importer

    run(kit, db, clock, b"email\nfirst@exemple.fr\nsecond@exemple.fr\n", confirmed=True, basis="test")
    with db.session() as s:
        SubscriberRepository(s).delete(everyone(db)["second@exemple.fr"].id)  # a gap at the top of the ids
    monkeypatch.setattr(importer, "BATCH", 3)  # several batches in one import
    emails = [f"p{i}@exemple.fr" for i in range(8)]
    report = run(kit, db, clock, ("email\n" + "\n".join(emails) + "\n").encode(), confirmed=True, basis="test")
    assert report.summary["created"] == 8
    people = everyone(db)
    assert len({people[e].id for e in emails}) == 8
    with db.session() as s:
        repo = SubscriberRepository(s)
        for e in emails:
            events = repo.consent_events(people[e].id)
            assert [ev["action"] for ev in events] == ["import"]
    assert {r.subscriber.id for r in report.rows if r.subscriber} == {people[e].id for e in emails}


def test_alerts_import_and_export_back(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    data = (
        "email,streams,alerts,alert_day,alert_kinds\n"
        "alice@exemple.fr,newsletter,daily,,\n"
        "bob@exemple.fr,alert,weekly,3,call;funding\n"
        "carol@exemple.fr,newsletter;alert,,,\n"  # the alert stream alone: weekly, on Monday
        "dan@exemple.fr,newsletter,hourly,9,\n"
    )
    report = run(kit, db, clock, data.encode(), confirmed=True, basis="b")
    assert [r.outcome for r in report.rows] == ["created", "created", "created", "failed"]
    assert "rythme d'alertes inconnu : hourly" in report.rows[3].reason
    got = {e: s.preferences for e, s in everyone(db).items()}
    assert (got["alice@exemple.fr"].alert_rhythm, got["alice@exemple.fr"].streams) == (
        AlertRhythm.DAILY, [Stream.NEWSLETTER, Stream.ALERT]
    )  # fmt: skip
    bob = got["bob@exemple.fr"]
    assert (bob.alert_rhythm, bob.alert_day, bob.alert_kinds, bob.streams) == (
        AlertRhythm.WEEKLY, 3, [ItemKind.FUNDING, ItemKind.CALL], [Stream.ALERT]
    )  # fmt: skip
    assert (got["carol@exemple.fr"].alert_rhythm, got["carol@exemple.fr"].alert_day) == (AlertRhythm.WEEKLY, 0)

    rows, _, _ = parse_csv(to_csv(list(everyone(db).values())).encode(), kit.choices)  # an export reads back
    assert {r.email: r.subscriber.preferences for r in rows if r.subscriber} == got
