"""The proposal form's checks, pure: each bad input of the issue refused with a French message naming its field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from curation.proposal_form import ProposalRefused, Vocabulary, check_form
from tests.curation.proposal_world import form
from watch.outbound import OutboundPolicy

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")
VOCAB = Vocabulary(themes={"education": "Éducation", "eau": "Eau"}, territories={"69": "Rhône", "38": "Isère"})


def check(lists: dict[str, list[str]] | None = None, **changes: Any) -> Any:
    return check_form(form(**changes), lists or {}, VOCAB, OutboundPolicy.from_settings([], []), now=NOW, tz=PARIS)


def refused(field: str, *words: str, lists: dict[str, list[str]] | None = None, **changes: Any) -> None:
    with pytest.raises(ProposalRefused) as exc:
        check(lists, **changes)
    assert exc.value.field == field, str(exc.value)
    for word in words:
        assert word in str(exc.value)


def test_a_valid_event_becomes_the_items_fields() -> None:
    checked = check({"themes": ["education"], "territories": ["69"]})
    f = checked.fields
    assert checked.email == "contact@asso.example.org" and checked.organisation == "Association Terre Solidaire"
    assert f["kind"] == "event" and f["place"] == "Lyon" and f["tags"] == ["education", "69"]
    assert f["starts_at"] == "2026-11-20T09:30:00+01:00" and f["ends_at"] == "2026-11-20T17:00:00+01:00"
    assert "<strong>d'échanges</strong>" in f["body_html"]
    assert '<a href="https://asso.example.org/inscription"' in f["body_html"]  # linkified
    assert f["summary"].startswith("Une journée d'échanges")


def test_scripts_are_refused_with_a_french_message() -> None:
    refused("body", "contient du code", body="Bonjour <script>alert(1)</script>")
    refused("title", "contient du code", title="<img src=x onerror=alert(1)>")
    refused("body", "javascript:", body="[clic](javascript:alert(1))")


def test_raw_html_in_markdown_stays_text_and_links_stay_web_links() -> None:
    html = check(body="<b>gras</b> et [lien](data:text/html,x) et [ok](https://ok.example.org)").fields["body_html"]
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert 'href="data:' not in html
    assert 'href="https://ok.example.org"' in html


def test_huge_texts_are_refused() -> None:
    refused("body", "trop long", "10000", body="mot " * 5_000)
    refused("title", "trop long", title="T" * 201)
    refused("organisation", "trop long", organisation="O" * 151)


def test_dates_that_cannot_be_are_refused() -> None:
    refused("ends_at", "se termine avant de commencer", starts_at="2026-11-20T17:00", ends_at="2026-11-20T09:00")
    refused("deadline", "déjà passée", "01/11/2026", kind="call", deadline="2026-11-01", starts_at="", ends_at="")
    refused("ends_at", "déjà passé", starts_at="2026-10-01T09:00", ends_at="2026-10-02T18:00")
    refused("starts_at", "début de l'événement", starts_at="", ends_at="")
    refused("deadline", "n'est pas une date", kind="call", deadline="31/02/2027", starts_at="", ends_at="")
    refused("starts_at", "heure", starts_at="2026-11-20T25:00")


def test_a_closing_date_today_or_later_is_accepted_in_either_spelling() -> None:
    assert check(kind="job", deadline="02/11/2026", starts_at="", ends_at="").fields["deadline"] == "2026-11-02"
    assert check(kind="call", deadline="2027-03-12", starts_at="", ends_at="").fields["deadline"] == "2027-03-12"


def test_links_must_be_public_web_addresses() -> None:
    refused("link", "https://", link="javascript:alert(1)")
    refused("link", "https://", link="file:///etc/passwd")
    refused("link", "adresse interne", link="http://127.0.0.1:8000/admin")
    refused("link", "adresse interne", link="http://169.254.169.254/latest/meta-data")
    refused("link", "adresse interne", link="http://[::1]/")
    assert check(link="").fields["url"] is None


def test_contact_kind_organisation_and_taxonomy_are_required_and_known() -> None:
    refused("email", "adresse électronique invalide", email="pas-une-adresse")
    refused("email", "adresse électronique", email="")
    refused("kind", "choisissez", kind="podcast")
    refused("title", "titre", title="  ")
    refused("organisation", "organisation", organisation="")
    refused("themes", "thèmes inconnus", lists={"themes": ["inconnu"]})
    refused("territories", "départements inconnus", lists={"territories": ["99"]})
