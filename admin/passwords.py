"""The password policy lives with the accounts (:mod:`subscribers.passwords`); the web layer uses it from here."""

from subscribers.passwords import MIN_LENGTH, check_password, common_passwords, password_problem

__all__ = ["MIN_LENGTH", "check_password", "common_passwords", "password_problem"]
