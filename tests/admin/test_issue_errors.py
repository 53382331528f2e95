"""The digest's and delivery's English messages, as staff read them in French."""

from __future__ import annotations

import pytest

from admin.issue_errors import FormError, in_french
from core.errors import InvalidInput


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("issue 3 is sent: only a draft can be edited (move)", "Ce numéro n'est plus un brouillon (statut : envoyé)"),
        ("issue 3: no subscriber would receive anything; nothing to send", "Aucun abonné ne recevrait ce numéro"),
        ("issue 3, segment ab12: 2 problem(s): size: 120000 bytes", "Le segment ab12 ne passe pas le contrôle"),
        ("item(s) not approved or past their deadline: 4, 5", "date limite est passée : 4, 5."),
        ("issue 3 is draft: it cannot become paused", "Action impossible : le numéro est « brouillon »."),
    ],
)
def test_known_messages_read_in_french(english: str, french: str) -> None:
    assert french in in_french(InvalidInput(english))


def test_an_unknown_message_keeps_its_detail_and_a_french_message_stays_as_is() -> None:
    assert in_french("something new broke") == "Action refusée : something new broke"
    assert in_french(FormError("Adresse invalide : « x ».")) == "Adresse invalide : « x »."
