"""DKIM signing with dkimpy, covering the headers receivers and RFC 8058 care about.

Each message differs from its segment's siblings only by its tokens, so every message needs its own body hash
and signature. To keep that cheap: body canonicalisation is ``simple`` (relaxed rewrites every line in Python),
the key is read once, and the RSA operation itself is OpenSSL's (through ``cryptography``, ~1 ms) instead of
dkimpy's Python big-integer arithmetic (~15–19 ms): dkimpy still canonicalises, hashes and writes the header.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

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
            signer = (
                _OpenSSLRSA(message, _rsa_key(self.key))
                if self.algorithm == "rsa-sha256"
                else dkim.DKIM(message, signature_algorithm=self.algorithm.encode(), linesep=b"\r\n")
            )
            sig = signer.sign(
                self.selector.encode(),
                self.domain.encode(),
                self.key,
                canonicalize=(b"relaxed", b"simple"),
                include_headers=[h for h in SIGNED_HEADERS if _has(message, h)],
            )
        except (ValueError, TypeError) as exc:  # cryptography's answer to a key it cannot read
            raise MailError(f"DKIM signing failed ({self.algorithm}, d={self.domain}): bad key ({exc})") from None
        except dkim.DKIMException as exc:
            raise MailError(f"DKIM signing failed ({self.algorithm}, d={self.domain}): {exc}") from None
        return bytes(sig) + message


def _has(message: bytes, name: bytes) -> bool:
    head = message.split(b"\r\n\r\n", 1)[0]
    return head.startswith(name + b":") or (b"\r\n" + name + b":") in head


@lru_cache(maxsize=4)
def _rsa_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


class _OpenSSLRSA(dkim.DKIM):  # type: ignore[misc]  # dkimpy is untyped
    """dkimpy's signer with the RSA operation done by OpenSSL. Everything else (canonicalisation, the hashed
    headers, the header's tags and folding) is dkimpy's own; only the lines of ``DKIM.gen_header`` that sign are
    replaced, and verification (tests) stays dkimpy's. The method below is copied from dkimpy 1.1.8, hence the pin
    below its next minor version in pyproject.toml; ``tests/delivery/test_dkim.py`` checks that it still writes
    exactly the header dkimpy writes."""

    def __init__(self, message: bytes, key: rsa.RSAPrivateKey) -> None:
        super().__init__(message, signature_algorithm=b"rsa-sha256", linesep=b"\r\n")
        self._key = key

    def gen_header(
        self, fields: list[Any], include_headers: Any, canon_policy: Any, header_name: bytes, pk: Any,
        standardize: bool = False,
    ) -> bytes:  # fmt: skip
        if standardize:  # not used by signing; keep dkimpy's path for it
            return bytes(super().gen_header(fields, include_headers, canon_policy, header_name, pk, standardize))
        value = dkim.fold(b"; ".join(b"=".join(x) for x in fields), namelen=len(header_name), linesep=b"\r\n")
        value = dkim.RE_BTAG.sub(b"\\1", value)
        h = dkim.HashThrough(self.hasher(), self.debug_content)
        headers = canon_policy.canonicalize_headers(self.headers)
        self.signed_headers = dkim.hash_headers(
            h, canon_policy, headers, include_headers, (header_name, b" " + value), dict(fields)
        )
        signature = self._key.sign(h.digest(), padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        idx = next(i for i, f in enumerate(fields) if f[0] == b"b")
        fields[idx] = (b"b", base64.b64encode(signature))
        value = b"; ".join(b"=".join(x) for x in fields) + self.linesep
        return bytes(dkim.fold(value, namelen=len(header_name), linesep=self.linesep))
