"""Deadlines are read after a cue, in French or English; no cue or no readable date gives nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from watch.dates import CallStatus, find_deadline, find_opening, parse_date, status_on

REF = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Date limite de dépôt : 15 mars 2027", date(2027, 3, 15)),
        ("clôture le 05/10/2026", date(2026, 10, 5)),
        ("Les dossiers sont à déposer avant le 12 janvier 2027 à minuit.", date(2027, 1, 12)),
        ("Candidatures jusqu'au 3 janvier 2027", date(2027, 1, 3)),
        ("Date limite : 1er février 2027", date(2027, 2, 1)),
        ("Deadline: March 3, 2027", date(2027, 3, 3)),
        ("Applications close on 14 February 2027.", date(2027, 2, 14)),
        ("Date limite de candidature : 5 mars 2027.", date(2027, 3, 5)),
        ("DATE LIMITE DE DÉPÔT : 15 MARS 2027", date(2027, 3, 15)),  # capitals, accents included
        ("İzmir, Clôture Le 05/10/2026", date(2026, 10, 5)),  # a letter whose lower case is two characters
    ],
)
def test_deadlines_in_french_and_english(text: str, expected: date) -> None:
    assert find_deadline(text, reference=REF) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Date limite de dépôt : à préciser",  # no date
        "Publié le 3 novembre 2026 par l'équipe",  # a date without a deadline cue
        "Date limite : 31 février 2027",  # not a real day
        "Date limite : demain",  # too vague
        "",
    ],
)
def test_no_deadline_is_invented(text: str) -> None:
    assert find_deadline(text, reference=REF) is None


def test_opening_and_deadline_in_one_sentence_are_told_apart() -> None:
    text = "Ouverture des candidatures le 1er décembre 2026, clôture le 31/01/2027."
    assert find_opening(text, reference=REF) == date(2026, 12, 1)
    assert find_deadline(text, reference=REF) == date(2027, 1, 31)


def test_structured_dates() -> None:
    assert parse_date("2027-03-15T00:00:00+00:00", reference=REF) == date(2027, 3, 15)
    assert parse_date("15/03/2027", reference=REF) == date(2027, 3, 15)
    assert parse_date("n'importe quoi", reference=REF) is None
    assert parse_date(None, reference=REF) is None


def test_status_from_dates() -> None:
    today = date(2026, 12, 15)
    assert status_on(today, opening=date(2027, 1, 1), deadline=date(2027, 3, 1)) == CallStatus.FORTHCOMING
    assert status_on(today, opening=date(2026, 12, 1), deadline=date(2027, 3, 1)) == CallStatus.OPEN
    assert status_on(today, opening=None, deadline=date(2026, 12, 14)) == CallStatus.CLOSED
    assert status_on(today, opening=None, deadline=today) == CallStatus.OPEN
    assert status_on(today, opening=None, deadline=None) == CallStatus.UNKNOWN
