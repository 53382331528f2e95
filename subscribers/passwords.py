"""The password policy, applied wherever a password is set (web, CLI): at least :data:`MIN_LENGTH` characters
and none of the common passwords of ``common_passwords.txt`` (compared lower-cased).

Length is what resists guessing; the list refuses the long passwords people choose first ("123456789012",
"motdepasse123", "azertyuiopqsd"). The list is written by ``scripts/common_passwords.py``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from core.errors import InvalidInput

MIN_LENGTH = 12
COMMON_LIST = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused, in French, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"le mot de passe doit compter au moins {MIN_LENGTH} caractères"
    if password.lower() in common_passwords() or password.strip().lower() in common_passwords():
        return "ce mot de passe est trop courant : choisissez-en un autre (une phrase de quelques mots, par exemple)"
    return None


def check_password(password: str) -> None:
    """Raise :class:`InvalidInput` when ``password`` breaks the policy."""
    problem = password_problem(password)
    if problem is not None:
        raise InvalidInput(problem)
