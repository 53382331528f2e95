"""The digest's and delivery's refusals, as staff read them in French: by the error's code, from the real raise
sites (their English message may be reworded freely; the French does not move)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from admin.issue_errors import FormError, in_french
from core.errors import InvalidInput
from core.model import IssueEntry, IssueStatus
from digest import assemble, edits

ENTRIES = [IssueEntry(1, "funding", 0), IssueEntry(2, "funding", 1)]


def refusal(action: Callable[[], object]) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        action()
    return caught.value


@pytest.mark.parametrize(
    ("action", "french"),
    [
        (lambda: edits.check_subject(""), "L'objet ne peut pas être vide."),
        (lambda: edits.check_subject("a\nb"), "L'objet doit tenir sur une seule ligne."),
        (lambda: edits.check_subject("x" * 500), "L'objet fait 500 caractères : "),
        (lambda: edits.check_editorial("x" * 100_000), "L'éditorial fait 100000 caractères : "),
        (lambda: edits.remove(ENTRIES, 9), "L'élément 9 n'est pas dans ce numéro."),
        (lambda: edits.add(ENTRIES, 1, "funding"), "L'élément 1 est déjà dans ce numéro."),
        (lambda: edits.add(ENTRIES, 3, "nulle-part"), "Rubrique inconnue : « nulle-part »."),
        (lambda: edits.move(ENTRIES, 1, to_index=7), "Impossible de déplacer l'élément plus loin dans sa rubrique."),
        (lambda: assemble.picked_items({}, [1, 1], date(2026, 12, 1)), "Le même élément est cité deux fois."),
        (lambda: assemble.picked_items({}, [4, 5], date(2026, 12, 1)), "Élément(s) inconnu(s) : 4, 5."),
    ],
)  # fmt: skip
def test_refusals_read_in_french_by_their_code(action: Callable[[], object], french: str) -> None:
    error = refusal(action)
    assert error.code != "invalid_input"  # a code of its own, not the class's
    assert in_french(error).startswith(french)


def test_a_status_in_a_message_is_said_in_words() -> None:
    sent = InvalidInput("issue 3 is sent: only a draft can be edited (move)", code="not_draft", status=IssueStatus.SENT)
    assert in_french(sent) == "Ce numéro n'est plus un brouillon (statut : envoyé) : il ne peut plus être modifié."
    draft = InvalidInput("…", code="cannot_become", status=IssueStatus.DRAFT, target=IssueStatus.PAUSED)
    assert in_french(draft) == "Action impossible : le numéro est « brouillon »."


def test_an_unknown_message_keeps_its_detail_and_a_french_message_stays_as_is() -> None:
    assert in_french("something new broke") == "Action refusée : something new broke"
    assert in_french(InvalidInput("something new broke")) == "Action refusée : something new broke"
    assert in_french(FormError("Adresse invalide : « x ».")) == "Adresse invalide : « x »."
