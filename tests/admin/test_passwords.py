"""The password policy: 12 characters at least, none of the common ones, whatever their case."""

from __future__ import annotations

import pytest

from admin.accounts import add_user, generate_password
from admin.passwords import MIN_LENGTH, check_password, common_passwords, password_problem
from core.clock import FrozenClock
from core.errors import InvalidInput
from core.model import Role
from storage.database import Database


@pytest.mark.parametrize("password", ["123456789012", "motdepasse123", "azertyuiopqsd", "AZERTYUIOPQSD",
                                      "Marseille2024", "qwertyuiopasdf", "aaaaaaaaaaaa", "jetaime123456"])  # fmt: skip
def test_common_passwords_are_refused(password: str) -> None:
    assert password_problem(password) == (
        "ce mot de passe est trop courant : choisissez-en un autre (une phrase de quelques mots, par exemple)"
    )


def test_short_passwords_are_refused_and_phrases_accepted() -> None:
    assert password_problem("x" * (MIN_LENGTH - 1)) == "le mot de passe doit compter au moins 12 caractères"
    for fine in ("correct horse battery", "une phrase de passe assez longue", generate_password()):
        assert password_problem(fine) is None, fine
    with pytest.raises(InvalidInput, match="trop courant"):
        check_password("Password1234")


def test_the_list_is_a_few_thousand_long_passwords() -> None:
    common = common_passwords()
    assert 2_000 < len(common) < 20_000
    assert all(len(p) >= MIN_LENGTH and p == p.lower() for p in common)


def test_accounts_are_created_only_with_a_good_password(db: Database, clock: FrozenClock) -> None:
    with pytest.raises(InvalidInput, match="trop courant"):
        add_user(db, "a@example.org", Role.EDITOR, "motdepasse2025", now=clock.now())
    with pytest.raises(InvalidInput, match="au moins 12"):
        add_user(db, "a@example.org", Role.EDITOR, "onze carac.", now=clock.now())
    assert add_user(db, "a@example.org", Role.EDITOR, "des mots choisis", now=clock.now()).id is not None
