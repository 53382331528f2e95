"""DKIM signatures verify and cover RFC 8058's headers."""

from __future__ import annotations

import base64
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import dkim
import nacl.signing
import pytest

from core.errors import ConfigError
from core.model import Stream
from delivery.compose import Recipient, compile_segment, personalise
from delivery.dkim import SIGNED_HEADERS, Signer, _has, _OpenSSLRSA
from delivery.dkim import _rsa_key as _rsa_key_of
from tests.delivery.fakes import SENDER, FakeLinks, segment

WHEN = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _message() -> bytes:
    compiled = compile_segment(segment(1, "a"), SENDER, Stream.NEWSLETTER, view_url="https://resacoop.example/l/1")
    r = Recipient(7, "alice@asso.fr", "<relais.1.7.abcdef12@resacoop.example>")
    return personalise(compiled, r, FakeLinks(), date=WHEN, sender=SENDER)


def _rsa_key(tmp_path: Path) -> tuple[Path, bytes]:
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(key), "2048"], check=True, capture_output=True)
    pub = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True, capture_output=True
    )
    return key, b"v=DKIM1; k=rsa; p=" + base64.b64encode(pub.stdout)


def _verify(signed: bytes, record: bytes) -> bool:
    return bool(dkim.verify(signed, dnsfunc=lambda name, timeout=5: record))


def test_rsa_signature_verifies_and_covers_list_unsubscribe(tmp_path: Path) -> None:
    key, record = _rsa_key(tmp_path)
    signer = Signer.from_file("resacoop.example", "relais", key, "rsa-sha256")
    signed = signer.sign(_message())
    assert _verify(signed, record)
    verifier = dkim.DKIM(signed)
    assert verifier.verify(dnsfunc=lambda name, timeout=5: record)
    covered = {h.strip().lower() for h in verifier.signature_fields[b"h"].split(b":")}
    assert {b"from", b"list-unsubscribe", b"list-unsubscribe-post"} <= covered  # RFC 8058 asks for these signed
    tampered = signed.replace(b"https://resacoop.example/d/7", b"https://evil.example/d/7", 1)
    assert not _verify(tampered, record)


def test_ed25519_signature_verifies(tmp_path: Path) -> None:
    sk = nacl.signing.SigningKey.generate()
    key = tmp_path / "dkim.key"
    key.write_bytes(base64.b64encode(bytes(sk)))
    record = b"v=DKIM1; k=ed25519; p=" + base64.b64encode(bytes(sk.verify_key))
    signed = Signer.from_file("resacoop.example", "relais", key, "ed25519-sha256").sign(_message())
    assert b"a=ed25519-sha256" in signed
    assert _verify(signed, record)


def test_a_bad_key_fails_at_start_with_its_name(tmp_path: Path) -> None:
    key = tmp_path / "broken.pem"
    key.write_text("not a key")
    with pytest.raises(ConfigError, match="key_file"):
        Signer.from_file("resacoop.example", "relais", key, "rsa-sha256")
    with pytest.raises(ConfigError, match="cannot read"):
        Signer.from_file("resacoop.example", "relais", tmp_path / "missing.pem", "rsa-sha256")
    with pytest.raises(ConfigError, match="algorithm"):
        Signer.from_file("resacoop.example", "relais", key, "rsa-sha1")


def test_the_copied_part_of_dkimpy_signs_exactly_as_dkimpy(tmp_path: Path) -> None:
    """``delivery.dkim._OpenSSLRSA.gen_header`` copies dkimpy's ``DKIM.gen_header`` but for its RSA operation
    (pyproject pins dkimpy below its next minor version): the header it writes must stay byte for byte dkimpy's own
    (PKCS#1 v1.5 signatures are deterministic), so a dkimpy release that changes it fails here first."""
    key, record = _rsa_key(tmp_path)
    pem = key.read_bytes()
    message = _message()
    kwargs = {
        "canonicalize": (b"relaxed", b"simple"),
        "include_headers": [h for h in SIGNED_HEADERS if _has(message, h)],
    }
    for _ in range(5):  # both within the same second: the t= tag is the signing time
        ours = _OpenSSLRSA(message, _rsa_key_of(pem)).sign(b"relais", b"resacoop.example", pem, **kwargs)
        theirs = dkim.DKIM(message, signature_algorithm=b"rsa-sha256", linesep=b"\r\n").sign(
            b"relais", b"resacoop.example", pem, **kwargs
        )
        if _tag(ours, b"t") == _tag(theirs, b"t"):
            break
    assert ours == theirs
    assert _verify(ours + message, record)


def _tag(header: bytes, name: bytes) -> bytes:
    unfolded = header.replace(b"\r\n", b"").replace(b" ", b"").replace(b"\t", b"")
    return next(t.split(b"=", 1)[1] for t in unfolded.split(b";") if t.split(b"=", 1)[0] == name)
