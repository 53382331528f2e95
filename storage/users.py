"""Editors', staff's and admins' accounts."""

from __future__ import annotations

from typing import cast

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.model import Role, User
from storage.tables import UserRow


def to_user(row: UserRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        role=Role(row.role),
        password_hash=row.password_hash,
        active=row.active,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        session_version=row.session_version,
    )


# Built once: asked on every admin request, where building the statement cost more than running it.
_BY_ID = select(*UserRow.__table__.columns).where(UserRow.id == bindparam("user_id"))


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def find(self) -> list[User]:
        return [to_user(r) for r in self.s.scalars(select(UserRow).order_by(UserRow.email))]

    def by_email(self, email: str) -> User | None:
        row = self.s.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))
        return to_user(row) if row else None

    def find_by_id(self, user_id: int) -> User | None:
        """The account, or None. Asked on every admin request: a plain row, not an ORM object."""
        row = self.s.connection().execute(_BY_ID, {"user_id": user_id}).first()
        return to_user(cast(UserRow, row)) if row else None  # a Row reads like a UserRow

    def get(self, user_id: int) -> User:
        row = self.s.get(UserRow, user_id)
        if row is None:
            raise NotFound(f"user {user_id} not found", code="user_not_found", user=user_id)
        return to_user(row)

    def save(self, user: User) -> User:
        row = self.s.get(UserRow, user.id) if user.id else None
        if row is None:
            row = UserRow(failed_logins=0)
            self.s.add(row)
        row.email = user.email.strip().lower()
        row.role = str(user.role)
        row.password_hash = user.password_hash
        row.active = user.active
        row.created_at = user.created_at
        row.last_login_at = user.last_login_at
        self.s.flush()
        user.id = row.id
        return user

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """A new password ends every session of the account (the version is raised in the same statement)."""
        self._raise_version(user_id, password_hash=password_hash)

    def end_sessions(self, user_id: int) -> None:
        """Raise the account's session version: every session cookie signed before now stops working."""
        self._raise_version(user_id)

    def _raise_version(self, user_id: int, **values: object) -> None:
        # One UPDATE, not read-modify-write: a concurrent save() of the account cannot bring an old version back
        # (save() never writes the version).
        stmt = update(UserRow).where(UserRow.id == user_id).values(session_version=UserRow.session_version + 1)
        if self.s.execute(stmt.values(**values)).rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound(f"user {user_id} not found", code="user_not_found", user=user_id)
        self.s.expire_all()
