"""The staff accounts (:mod:`subscribers.accounts`) as the web layer names them: roles, passwords, login."""

from subscribers.accounts import (
    RANK,
    Accounts,
    add_user,
    authenticate,
    end_sessions,
    generate_password,
    has_role,
    set_password,
    validate_email,
)

__all__ = [
    "RANK",
    "Accounts",
    "add_user",
    "authenticate",
    "end_sessions",
    "generate_password",
    "has_role",
    "set_password",
    "validate_email",
]
