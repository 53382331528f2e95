"""Accounts of editors, staff and admins: creation, passwords (argon2), roles, login with throttling."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import InvalidInput
from core.model import Role, User
from storage.database import Database
from storage.users import UserRepository

HASHER = PasswordHasher()
MIN_PASSWORD = 10
LOCK_AFTER = 5  # failures in a row
LOCK_FOR = timedelta(minutes=15)
RANK = {Role.EDITOR: 1, Role.STAFF: 2, Role.ADMIN: 3}


def has_role(user: User, needed: Role) -> bool:
    """Roles are nested: staff can do what editors do, admins what staff do."""
    return user.active and RANK[user.role] >= RANK[needed]


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def validate_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or " " in email:
        raise InvalidInput(f"adresse e-mail invalide : {email!r}")
    return email


def add_user(db: Database, email: str, role: Role, password: str, *, now: datetime) -> User:
    email = validate_email(email)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"le mot de passe doit compter au moins {MIN_PASSWORD} caractères")
    with db.session() as s:
        repo = UserRepository(s)
        if repo.by_email(email) is not None:
            raise InvalidInput(f"un compte existe déjà pour {email}")
        return repo.save(User(email=email, role=role, password_hash=HASHER.hash(password), created_at=now))


def set_password(db: Database, email: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"le mot de passe doit compter au moins {MIN_PASSWORD} caractères")
    with db.session() as s:
        repo = UserRepository(s)
        user = repo.by_email(email)
        if user is None:
            raise InvalidInput(f"aucun compte pour {email}")
        user.password_hash = HASHER.hash(password)
        repo.save(user)


def authenticate(db: Database, email: str, password: str, *, now: datetime) -> User | None:
    """The user if the password matches and the account is neither disabled nor locked; failures are counted and
    lock the account for a while after :data:`LOCK_AFTER` in a row."""
    email = email.strip().lower()
    with db.session() as s:
        repo = UserRepository(s)
        user = repo.by_email(email)
        if user is None or user.id is None:
            HASHER.hash(password)  # spend the same time as for a real account
            return None
        failures, locked_until = repo.login_state(user.id)
        if locked_until is not None and locked_until > now:
            return None
        try:
            HASHER.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            failures += 1
            repo.set_login_state(user.id, failures, now + LOCK_FOR if failures >= LOCK_AFTER else None)
            return None
        if not user.active:
            return None
        repo.set_login_state(user.id, 0, None)
        user.last_login_at = now
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = HASHER.hash(password)
        repo.save(user)
        return user
