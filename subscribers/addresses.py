"""One spelling per address: lowercased, IDN domain normalised, checked without network by email-validator."""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from core.errors import InvalidInput

# A plain ASCII dot-atom local part (what nearly every real address has). Such a local part needs no checking
# beyond this; its domain is then checked once per distinct domain. Anything else (quoted strings, Unicode,
# odd dots) goes through email-validator whole. This keeps a 100,000-row import from spending most of its
# time re-validating the same few hundred domains.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")


def normalise(raw: str) -> str:
    """The canonical form of ``raw`` or :class:`InvalidInput` with a French reason.

    The whole address is lowercased: local parts are case-insensitive at every provider our audience uses, and
    one subscriber per address matters more than RFC 5321's theoretical case-sensitivity.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidInput("adresse électronique manquante")
    local, at, domain = text.rpartition("@")
    if at and len(local) <= 64 and len(text) <= 254 and _PLAIN_LOCAL.match(local):
        try:
            return f"{local.lower()}@{_domain(domain.lower())}"
        except EmailNotValidError as exc:
            raise InvalidInput(f"adresse électronique invalide : « {text} » ({_why(exc)})") from None
    try:
        info = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise InvalidInput(f"adresse électronique invalide : « {text} » ({_why(exc)})") from None
    local, domain = info.normalized.rsplit("@", 1)
    # email-validator keeps the Unicode domain; the ASCII (punycode) form is what mail servers see.
    return f"{local.lower()}@{(info.ascii_domain or domain).lower()}"


# email-validator explains in English; the people reading our pages and reports read French.
_WHY = [
    ("must have an @-sign", "il manque l'arobase @"),
    ("something before the @-sign", "rien avant l'arobase"),
    ("something after the @-sign", "rien après l'arobase"),
    ("should have a period", "le nom de domaine n'a pas de point"),
    ("invalid characters before the @-sign", "caractères interdits avant l'arobase"),
    ("invalid characters after the @-sign", "caractères interdits dans le nom de domaine"),
    ("period", "point mal placé"),
    ("too long", "adresse trop longue"),
    ("special use", "nom de domaine réservé"),
    ("not valid", "nom de domaine invalide"),
]


def _why(exc: Exception) -> str:
    message = str(exc)
    return next((french for english, french in _WHY if english in message), "forme invalide")


@lru_cache(maxsize=65536)
def _domain(domain: str) -> str:
    """The ASCII form of a domain, validated by email-validator (raises EmailNotValidError)."""
    info = validate_email(f"postmaster@{domain}", check_deliverability=False, allow_smtputf8=True)
    return info.ascii_domain.lower()
