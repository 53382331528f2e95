"""DKIM signatures verify and cover RFC 8058's headers; pre-send checks catch what hurts delivery."""

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
from core.settings import MailSettings
from delivery.checks import Level, blocking, check_config, check_html, check_message
from delivery.compose import Recipient, compile_segment, personalise
from delivery.dkim import Signer
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
    assert check_message(signed, dkim_enabled=True) == []
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


def test_unsigned_or_unsubscribe_less_messages_are_flagged() -> None:
    plain = _message()
    codes = {f.code for f in check_message(plain, dkim_enabled=True)}
    assert codes == {"dkim-coverage"}
    stripped = plain.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", b"")
    assert {f.code for f in blocking(check_message(stripped, dkim_enabled=False))} == {"list-unsubscribe-post"}


def test_config_checks_say_dns_was_not_checked_offline() -> None:
    mail = MailSettings(spf_record="v=spf1 -all", dmarc_record="v=DMARC1; p=none")
    mail.dkim.enabled, mail.dkim.domain = True, "resacoop.example"
    findings = check_config(mail, "lettre@resacoop.example")
    assert [(f.level, f.message) for f in findings] == [
        (Level.INFO, "DNS records of resacoop.example: not checked (offline)")
    ]
    mail.dkim.domain = "autre.example"
    assert [f.code for f in blocking(check_config(mail, "lettre@resacoop.example"))] == ["dkim"]
    assert {f.code for f in check_config(MailSettings(), "lettre@resacoop.example")} == {"spf", "dmarc", "dkim", "dns"}


def test_html_checks() -> None:
    good = (
        '<p><img src="https://resacoop.example/logo.png" alt="RESACOOP"><a href="https://resacoop.example/">x</a></p>'
    )
    assert check_html(good) == []
    bad = (
        '<img src="https://resacoop.example/a.png"><a href="http://localhost:8000/lettres/1">voir</a>'
        '<img src="http://127.0.0.1/x.png" alt="">' + "x" * (102 * 1024)
    )
    assert sorted(f.code for f in check_html(bad)) == ["html-size", "img-alt", "localhost-link", "localhost-link"]
    extra = check_html(good, [lambda html: []])
    assert extra == []
