"""Editors', staff's and admins' accounts, as one network sees them (0013).

An account is seen in a network when it is a member of it (``network_members``, with its role there) or when it
is a super-admin (an admin in every network). Every read and write here keeps to the session's network
(:func:`storage.networks.network_of`): an account of another network is not found, and cannot be changed. An
address already used by an account of another network cannot be taken again; adding that account to a second
network is a super-admin's decision, not a network admin's. Its password then changes only outside any one
network's pages (the ``relais users`` commands), so an admin of one network cannot take over an account that
works in another.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, or_, select, update
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.model import Role, User
from storage.networks import is_scoped, network_of
from storage.tables import NetworkMemberRow, UserRow

_COLUMNS = [c for c in UserRow.__table__.columns if c.name != "role"]


def _seen(network: Any) -> Select[Any]:
    """The accounts seen in ``network`` (a value or a bound parameter), each with its role there."""
    member = and_(NetworkMemberRow.user_id == UserRow.id, NetworkMemberRow.network_id == network)
    return (
        select(*_COLUMNS, NetworkMemberRow.role)
        .outerjoin(NetworkMemberRow, member)
        .where(or_(NetworkMemberRow.user_id.is_not(None), UserRow.superadmin))
    )


def to_user(row: Any) -> User:
    return User(
        id=row.id,
        email=row.email,
        role=Role.ADMIN if row.superadmin or not row.role else Role(row.role),  # a super-admin: admin everywhere
        password_hash=row.password_hash,
        active=row.active,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        session_version=row.session_version,
        superadmin=bool(row.superadmin),
    )


# Built once: asked on every admin request, where building the statement cost more than running it.
_BY_ID = _seen(bindparam("network_id")).where(UserRow.id == bindparam("user_id"))


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.network = network_of(session)

    def _one(self, *where: ColumnElement[bool]) -> User | None:
        row = self.s.execute(_seen(self.network).where(*where)).first()
        return to_user(row) if row else None

    def find(self) -> list[User]:
        return [to_user(r) for r in self.s.execute(_seen(self.network).order_by(UserRow.email))]

    def by_email(self, email: str) -> User | None:
        return self._one(UserRow.email == email.strip().lower())

    def find_by_id(self, user_id: int) -> User | None:
        """The account, or None. Asked on every admin request: one plain query, not an ORM object."""
        row = self.s.connection().execute(_BY_ID, {"user_id": user_id, "network_id": self.network}).first()
        return to_user(row) if row else None

    def get(self, user_id: int) -> User:
        user = self._one(UserRow.id == user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found", code="user_not_found", user=user_id)
        return user

    def save(self, user: User) -> User:
        """Write the account and its role in this network. A new account's address must be free in the whole
        deployment: an address of another network's account is refused (code ``user_in_other_network``)."""
        email = user.email.strip().lower()
        if user.id:
            self.get(user.id)  # seen here, or NotFound
            row = self.s.get(UserRow, user.id)
            assert row is not None
        else:
            if self.s.scalar(select(UserRow.id).where(UserRow.email == email)) is not None:
                raise InvalidInput(
                    f"un compte existe déjà pour {email} dans un autre réseau",
                    code="user_in_other_network",
                    email=email,
                )
            row = UserRow(failed_logins=0, role=str(user.role))
            self.s.add(row)
        row.email = email
        row.password_hash = user.password_hash
        row.active = user.active
        row.created_at = user.created_at
        row.last_login_at = user.last_login_at
        self.s.flush()
        member = self.s.get(NetworkMemberRow, (self.network, row.id))
        if member is None and not (row.superadmin and user.role is Role.ADMIN):
            self.s.add(NetworkMemberRow(network_id=self.network, user_id=row.id, role=str(user.role)))
        elif member is not None:
            member.role = str(user.role)
        self.s.flush()
        user.id = row.id
        return user

    def join(self, email: str, role: Role) -> User:
        """An existing account given a role in this network too (or its role here changed): the operator's
        decision, at the command line, never a network's pages."""
        self._operator_only()
        email = email.strip().lower()
        user_id = self.s.scalar(select(UserRow.id).where(UserRow.email == email))
        if user_id is None:
            raise NotFound(f"user {email} not found", code="user_not_found", user=email)
        member = self.s.get(NetworkMemberRow, (self.network, user_id))
        if member is None:
            self.s.add(NetworkMemberRow(network_id=self.network, user_id=user_id, role=str(role)))
        else:
            member.role = str(role)
        self.s.flush()
        return self.get(user_id)

    def set_superadmin(self, email: str, value: bool) -> None:
        """Above every network (an admin in each), or not any more: the operator's decision only."""
        self._operator_only()
        done = self.s.execute(
            update(UserRow).where(UserRow.email == email.strip().lower()).values(superadmin=value)
        ).rowcount  # type: ignore[attr-defined]
        if done != 1:
            raise NotFound(f"user {email} not found", code="user_not_found", user=email)

    def _operator_only(self) -> None:
        if is_scoped(self.s):
            raise InvalidInput("réservé à l'exploitant (« relais users »)", code="operator_only")

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """A new password ends every session of the account (the version is raised in the same statement). Within
        one network's pages, only for an account that works in no other network."""
        if is_scoped(self.s) and self._elsewhere(user_id):
            raise InvalidInput(
                "ce compte sert aussi dans un autre réseau : son mot de passe se change avec « relais users passwd »",
                code="user_shared_password",
            )
        self._raise_version(user_id, password_hash=password_hash)

    def end_sessions(self, user_id: int) -> None:
        """Raise the account's session version: every session cookie signed before now stops working."""
        self._raise_version(user_id)

    def _elsewhere(self, user_id: int) -> bool:
        other = select(NetworkMemberRow.user_id).where(
            NetworkMemberRow.user_id == user_id, NetworkMemberRow.network_id != self.network
        )
        return bool(self.s.scalar(select(exists(other)))) or bool(
            self.s.scalar(select(UserRow.superadmin).where(UserRow.id == user_id))
        )

    def _raise_version(self, user_id: int, **values: object) -> None:
        # One UPDATE, not read-modify-write: a concurrent save() of the account cannot bring an old version back
        # (save() never writes the version). Only an account seen in this network.
        seen = _seen(self.network).with_only_columns(UserRow.id).where(UserRow.id == user_id)
        stmt = (
            update(UserRow)
            .where(UserRow.id == user_id, UserRow.id.in_(seen))
            .values(session_version=UserRow.session_version + 1)
        )
        if self.s.execute(stmt.values(**values)).rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound(f"user {user_id} not found", code="user_not_found", user=user_id)
        self.s.expire_all()
