"""Accounts of editors, staff and admins: creation, passwords (argon2), roles, login, ending sessions.

Everything here is blocking (argon2 costs a tenth of a second of CPU by design, plus the database): the web layer
calls it in a worker thread, never on the event loop. Throttling of logins lives in :mod:`admin.throttle`.
The CLI calls the functions with the database; the web layer holds an :class:`Accounts` built by the composition
root, which also answers the account pages' reads and saves.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import InvalidInput
from core.model import Role, User
from storage.database import Database
from storage.users import UserRepository
from subscribers.passwords import check_password

HASHER = PasswordHasher()  # a seam: tests swap in a cheap (or counting) hasher
RANK = {Role.EDITOR: 1, Role.STAFF: 2, Role.ADMIN: 3}
_dummy: tuple[PasswordHasher, str] | None = None  # a hash of a random password, made with the current HASHER


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
    check_password(password)
    with db.session() as s:
        repo = UserRepository(s)
        if repo.by_email(email) is not None:
            raise InvalidInput(f"un compte existe déjà pour {email}")
        return repo.save(User(email=email, role=role, password_hash=HASHER.hash(password), created_at=now))


def set_password(db: Database, email: str, password: str) -> User:
    """A new password (by its owner, an admin or the CLI); every session of the account ends."""
    check_password(password)
    with db.session() as s:
        repo = UserRepository(s)
        user = repo.by_email(email)
        if user is None or user.id is None:
            raise InvalidInput(f"aucun compte pour {email}")
        repo.set_password_hash(user.id, HASHER.hash(password))
        return repo.get(user.id)


def end_sessions(db: Database, user_id: int) -> None:
    """Log the account out everywhere (logout does this: a stolen cookie dies with the session it was copied from)."""
    with db.session() as s:
        UserRepository(s).end_sessions(user_id)


def _dummy_hash() -> str:
    """Verified against for unknown addresses: made with the current hasher, so it costs what a real one does."""
    global _dummy
    if _dummy is None or _dummy[0] is not HASHER:
        _dummy = (HASHER, HASHER.hash(secrets.token_urlsafe(16)))
    return _dummy[1]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(db: Database, email: str, password: str, *, now: datetime) -> User | None:
    """The user if the password matches and the account is active, else None.

    Exactly one argon2 verification whatever the case (unknown address: against a dummy hash; disabled account:
    against its own), so that the answer's timing says nothing about which addresses have accounts. Failures
    change nothing in the database: throttling (per address and account, in :mod:`admin.throttle`) replaces the
    old account lock, which a stranger could put on anyone's account.
    """
    email = email.strip().lower()
    with db.session() as s:
        repo = UserRepository(s)
        user = repo.by_email(email)
        matches = _verify(user.password_hash if user is not None else _dummy_hash(), password)
        if user is None or not matches or not user.active:
            return None
        user.last_login_at = now
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = HASHER.hash(password)
        repo.save(user)
        return user


class Accounts:
    """The staff accounts for the web layer: the functions above over one database, and the account pages' reads."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, email: str, role: Role, password: str, *, now: datetime) -> User:
        return add_user(self.db, email, role, password, now=now)

    def set_password(self, email: str, password: str) -> User:
        return set_password(self.db, email, password)

    def end_sessions(self, user_id: int) -> None:
        end_sessions(self.db, user_id)

    def authenticate(self, email: str, password: str, *, now: datetime) -> User | None:
        return authenticate(self.db, email, password, now=now)

    def find(self) -> list[User]:
        with self.db.session() as s:
            return UserRepository(s).find()

    def by_email(self, email: str) -> User | None:
        with self.db.session() as s:
            return UserRepository(s).by_email(email)

    def by_id(self, user_id: int) -> User | None:
        with self.db.session() as s:
            return UserRepository(s).find_by_id(user_id)

    def current(self, user_id: int) -> User | None:
        """The account of a session, on every admin request: no transaction around one SELECT."""
        with self.db.reading() as s:
            return UserRepository(s).find_by_id(user_id)

    def save(self, user: User) -> User:
        """NotFound when the account is gone."""
        with self.db.session() as s:
            return UserRepository(s).save(user)
