"""CSV import as people write it: several values in a cell, labels instead of slugs, accents and capitals as they
come, and a dry run that says what each value became; the refusals in French, agreeing in gender and number."""

from __future__ import annotations

from core.clock import FrozenClock
from core.model import ItemKind, OrganisationType, Stream
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.importer import import_csv, parse_csv
from subscribers.kit import SubscriberKit
from subscribers.vocabulary import Vocabulary, fold, split_cell


def test_a_cell_splits_on_bars_and_on_whichever_of_comma_or_semicolon_is_not_the_column_separator() -> None:
    assert split_cell("santé | eau", ";") == ["santé", "eau"]
    assert split_cell("santé, eau", ";") == ["santé", "eau"]
    assert split_cell("santé; eau", ",") == ["santé", "eau"]
    assert split_cell("santé|eau;climat,asie", "\t") == ["santé", "eau", "climat", "asie"]
    assert split_cell("  ", ";") == []


def test_labels_meet_their_slugs_whatever_the_accents_capitals_and_plurals(kit: SubscriberKit) -> None:
    words = Vocabulary.of(kit.choices)
    assert fold("  Éducation  ÉTÉ ") == fold("education ete")
    for written in ("santé", "Santé", "SANTE", "sante"):
        assert words.slug("themes", written) == "sante", written
    assert words.slug("territories", "Isère") == words.slug("territories", "isere") == "38"
    assert words.slug("territories", "38") == "38"
    assert words.slug("organisation_type", "Lycée") == OrganisationType.EDUCATION
    assert words.slug("organisation_type", "collectivité") == OrganisationType.LOCAL_AUTHORITY
    assert words.slug("kinds", "Appels à projets") == words.slug("kinds", "appel a projet") == ItemKind.CALL
    assert words.slug("streams", "La lettre mensuelle") == Stream.NEWSLETTER
    assert words.slug("zones", "Maghreb et Moyen-Orient") == "maghreb"
    assert words.slug("themes", "cuisine") is None


EXCEL = (
    "Courriel;Nom;Type d'organisation;Thématiques;Départements;Envois\r\n"
    "lea@exemple.fr;Léa;Lycée;santé, Eau et assainissement;Isère|RHÔNE;La lettre mensuelle\r\n"
    "marc@exemple.fr;Marc;association;SANTE;38;emailings\r\n"
    "zoe@exemple.fr;Zoé;;cuisine, jardinage;Isère;\r\n"
    "ana@exemple.fr;Ana;;;Savoi;\r\n"
).encode("cp1252")


def test_every_value_of_an_excel_file_is_kept_and_matched(kit: SubscriberKit, db: Database,
                                                          clock: FrozenClock) -> None:  # fmt: skip
    report = import_csv(db, clock, EXCEL, kit.choices, confirmed=True, basis="adhérents 2026")
    assert report.summary["created"] == 2 and report.summary["failed"] == 2
    with db.session() as s:
        people = {p.email: p for p in SubscriberRepository(s).find()}
    lea = people["lea@exemple.fr"]
    assert lea.organisation_type == OrganisationType.EDUCATION
    assert lea.preferences.themes == ["sante", "eau"] and lea.preferences.territories == ["38", "69"]
    assert lea.preferences.streams == [Stream.NEWSLETTER]
    assert people["marc@exemple.fr"].preferences.streams == [Stream.EMAILING]
    reasons = {r.email: r.reason for r in report.rows}
    assert reasons["zoe@exemple.fr"] == "thèmes inconnus : « cuisine », « jardinage »"
    assert reasons["ana@exemple.fr"] == "département inconnu : « Savoi »"


def test_the_dry_run_says_what_each_value_became(kit: SubscriberKit, db: Database, clock: FrozenClock) -> None:
    report = import_csv(db, clock, EXCEL, kit.choices, dry_run=True)
    uses = {(u.family, u.written): (u.became, u.rows) for u in report.labels(Vocabulary.of(kit.choices))}
    assert uses[("themes", "santé")] == ("Santé", 1) and uses[("themes", "SANTE")] == ("Santé", 1)
    assert uses[("organisation_type", "Lycée")] == ("Établissement scolaire ou universitaire", 1)
    assert uses[("territories", "Isère")] == ("Isère", 2) and uses[("territories", "RHÔNE")] == ("Rhône", 1)
    assert uses[("themes", "cuisine")] == ("", 1)
    with db.session() as s:
        assert SubscriberRepository(s).find() == []  # a dry run imports nothing


def test_the_old_semicolon_cells_of_a_comma_file_still_read(kit: SubscriberKit) -> None:
    rows, _, delimiter = parse_csv(b"email,themes\na@exemple.fr,eau;sante\n", kit.choices)
    assert delimiter == "," and rows[0].subscriber is not None
    assert rows[0].subscriber.preferences.themes == ["sante", "eau"]
