"""DKIM signing with dkimpy, covering the headers receivers and RFC 8058 care about.

Each message differs from its segment's siblings only by its tokens, so every message needs its own body hash
and signature. To keep that cheap: body canonicalisation is ``simple`` (relaxed rewrites every line in Python),
the key is read once, and Ed25519 (``ed25519-sha256``) is far cheaper than dkimpy's pure-Python RSA.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dkim

from core.errors import ConfigError, MailError

SIGNED_HEADERS = (
    b"From", b"To", b"Subject", b"Date", b"Message-ID", b"Reply-To", b"List-Id", b"List-Unsubscribe",
    b"List-Unsubscribe-Post", b"Feedback-ID", b"MIME-Version", b"Content-Type",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Signer:
    domain: str
    selector: str
    key: bytes  # PEM (RSA) or base64 raw 32-byte seed (Ed25519), as dkimpy reads them
    algorithm: str = "rsa-sha256"

    @classmethod
    def from_file(cls, domain: str, selector: str, key_file: Path, algorithm: str) -> Signer:
        if algorithm not in ("rsa-sha256", "ed25519-sha256"):
            raise ConfigError(f"mail.dkim.algorithm: must be rsa-sha256 or ed25519-sha256, not {algorithm!r}")
        if not domain or not selector:
            raise ConfigError("mail.dkim: domain and selector are required when DKIM is enabled")
        try:
            key = key_file.read_bytes().strip()
        except OSError as exc:
            raise ConfigError(f"mail.dkim.key_file: cannot read {key_file}: {exc}") from None
        signer = cls(domain, selector, key, algorithm)
        try:  # a bad key fails at start, not on the first message
            signer.sign(b"From: a@" + domain.encode() + b"\r\nSubject: t\r\n\r\nt\r\n")
        except MailError as exc:
            raise ConfigError(f"mail.dkim.key_file: {key_file}: {exc}") from None
        return signer

    def sign(self, message: bytes) -> bytes:
        """The message with its DKIM-Signature header prepended."""
        try:
            sig = dkim.sign(
                message,
                self.selector.encode(),
                self.domain.encode(),
                self.key,
                canonicalize=(b"relaxed", b"simple"),
                signature_algorithm=self.algorithm.encode(),
                include_headers=[h for h in SIGNED_HEADERS if _has(message, h)],
            )
        except dkim.DKIMException as exc:
            raise MailError(f"DKIM signing failed ({self.algorithm}, d={self.domain}): {exc}") from None
        return bytes(sig) + message


def _has(message: bytes, name: bytes) -> bool:
    head = message.split(b"\r\n\r\n", 1)[0]
    return head.startswith(name + b":") or (b"\r\n" + name + b":") in head
