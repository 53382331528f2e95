"""Editors' input: what is accepted, cleaned, or refused with a clear French message."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import InvalidInput
from core.model import ItemKind
from curation.validate import (
    MAX_TITLE,
    FieldErrors,
    Taxonomy,
    clean_body,
    clean_edit,
    clean_tags,
    clean_text,
    clean_title,
    parse_date,
)
from tests.seed import TAXONOMY

TODAY = date(2026, 11, 2)
TAX = Taxonomy.from_settings(TAXONOMY)


def test_a_title_is_one_clean_line() -> None:
    assert clean_title("  Appel à projets\n  Festisol 2027 ") == "Appel à projets Festisol 2027"


@pytest.mark.parametrize(
    "title",
    ["<script>alert(1)</script>Fonds", "Fonds <b>régional</b>", "Fonds &lt;script&gt;", "<img src=x onerror=alert(1)>"],
)
def test_markup_in_a_title_is_refused(title: str) -> None:
    with pytest.raises(InvalidInput, match="ni HTML ni script"):
        clean_title(title)


def test_an_empty_or_overlong_title_is_refused() -> None:
    with pytest.raises(InvalidInput, match="obligatoire"):
        clean_title("   ")
    with pytest.raises(InvalidInput, match=f"dépasse {MAX_TITLE}"):
        clean_title("x" * (MAX_TITLE + 1))


def test_a_title_with_a_lower_than_sign_in_words_is_kept() -> None:
    assert clean_title("Budget < 10 000 € : micro-projets") == "Budget < 10 000 € : micro-projets"


def test_the_body_is_sanitised_not_refused() -> None:
    body = clean_body('<p onclick="x()">Dossier <script>alert(1)</script><a href="javascript:x">ici</a></p>')
    assert "script" not in body and "onclick" not in body and "javascript" not in body
    assert body.startswith("<p>Dossier")


def test_plain_text_fields_lose_their_tags_and_keep_their_limit() -> None:
    assert clean_text("Résumé <b>gras</b>", 100, label="le résumé") == "Résumé gras"
    with pytest.raises(InvalidInput, match="le résumé dépasse 10"):
        clean_text("x" * 11, 10, label="le résumé")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2027-03-12", date(2027, 3, 12)), ("12/03/2027", date(2027, 3, 12)), ("12 mars 2027", date(2027, 3, 12))],
)
def test_dates_in_iso_french_numeric_and_words(text: str, expected: date) -> None:
    assert parse_date(text, label="Date limite", today=TODAY, allow_past=False) == expected


def test_unparseable_and_past_dates_are_refused_with_the_field_name() -> None:
    with pytest.raises(InvalidInput, match="Date limite : date illisible « bientôt »"):
        parse_date("bientôt", label="Date limite", today=TODAY, allow_past=False)
    with pytest.raises(InvalidInput, match="Date limite : le 01/11/2026 est déjà passé"):
        parse_date("01/11/2026", label="Date limite", today=TODAY, allow_past=False)
    assert parse_date("", label="Date limite", today=TODAY, allow_past=False) is None


def test_tags_must_come_from_the_taxonomy() -> None:
    assert clean_tags(["ecsi", " sante", "ecsi", ""], TAX) == ["ecsi", "sante"]
    with pytest.raises(InvalidInput, match=r"inconnue.*: climat, <b>"):
        clean_tags(["ecsi", "climat", "<b>"], TAX)


def test_an_edit_lists_every_wrong_field_at_once() -> None:
    form = {"title": "<i>x</i>", "deadline": "31/02/2027", "tags": ["nope"], "kind": "blog"}
    with pytest.raises(FieldErrors) as caught:
        clean_edit(form, TAX, today=TODAY)
    assert set(caught.value.errors) == {"title", "deadline", "tags", "kind"}


def test_a_valid_edit_gives_typed_changes_for_the_fields_sent_only() -> None:
    changes = clean_edit(
        {"title": "Nouveau titre", "kind": "call", "deadline": "15/12/2026", "tags": ["eau"], "featured": "1"},
        TAX,
        today=TODAY,
    )
    assert changes == {
        "title": "Nouveau titre",
        "kind": ItemKind.CALL,
        "deadline": date(2026, 12, 15),
        "tags": ["eau"],
        "featured": True,
    }


def test_a_stored_past_deadline_may_stay_but_a_new_past_one_is_refused() -> None:
    old = date(2026, 10, 1)
    assert clean_edit({"deadline": "01/10/2026"}, TAX, today=TODAY, current_deadline=old) == {"deadline": old}
    with pytest.raises(FieldErrors, match="déjà passé"):
        clean_edit({"deadline": "02/10/2026"}, TAX, today=TODAY, current_deadline=old)
