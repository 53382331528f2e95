"""One spelling per address: lowercased, IDN domain normalised, checked without network."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from core.errors import InvalidInput


def normalise(raw: str) -> str:
    """The canonical form of ``raw`` or :class:`InvalidInput` with a French reason.

    The whole address is lowercased: local parts are case-insensitive at every provider our audience uses, and
    one subscriber per address matters more than RFC 5321's theoretical case-sensitivity.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidInput("adresse électronique manquante")
    try:
        info = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise InvalidInput(f"adresse électronique invalide : {text!r} ({exc})") from None
    local, domain = info.normalized.rsplit("@", 1)
    # email-validator keeps the Unicode domain; the ASCII (punycode) form is what mail servers see.
    ascii_domain = info.ascii_domain or domain
    return f"{local.lower()}@{ascii_domain.lower()}"
