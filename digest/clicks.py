"""Counted links: ``/r/{issue}/{item}/{signature}``, signed so that the redirect is no open redirect.

The signature is an HMAC-SHA256 of ``issue/item`` under the secret key (cut to 128 bits, URL-safe): only Relais can
make a link, and a link names an item, never a target. The redirect looks the target up from the item as approved
(:meth:`storage.clicks.ClickRepository.target`); nothing in the link is personal, so every subscriber of a segment
gets the same link and a click says which item was read, never by whom.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

_SALT = b"relais.digest.clicks"
_SIGNATURE_BYTES = 16


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class ClickLinks:
    """Makes and checks counted links for one secret key and one public base URL."""

    secret_key: str
    base_url: str

    def __post_init__(self) -> None:
        if not self.secret_key:
            raise ValueError("counted links need a secret key")

    def signature(self, issue_id: int, item_id: int) -> str:
        key = hashlib.sha256(_SALT + self.secret_key.encode("utf-8")).digest()
        mac = hmac.new(key, f"{issue_id}/{item_id}".encode("ascii"), hashlib.sha256).digest()
        return _b64(mac[:_SIGNATURE_BYTES])

    @property
    def prefix(self) -> str:
        """What every counted link starts with."""
        return f"{self.base_url.rstrip('/')}/r/"

    def url(self, issue_id: int, item_id: int) -> str:
        return f"{self.prefix}{issue_id}/{item_id}/{self.signature(issue_id, item_id)}"

    def valid(self, issue_id: int, item_id: int, signature: str) -> bool:
        return hmac.compare_digest(self.signature(issue_id, item_id), signature)
