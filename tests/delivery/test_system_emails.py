"""System emails take the one send path, as the composition root wires it: subscribers renders the confirmation,
delivery composes it, signs it with the configured DKIM key and hands it to the configured mailer (the outbox)."""

from __future__ import annotations

import base64
import email
import email.policy
import subprocess
from dataclasses import replace
from pathlib import Path

import dkim

from core.clock import FrozenClock
from core.settings import DkimSettings
from relais.wiring import Services, build_subscribers
from storage.database import Database
from subscribers.service import SignupForm
from tests.admin.issue_world import settings


def _rsa_key(tmp_path: Path) -> tuple[Path, bytes]:
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(key), "2048"], check=True, capture_output=True)
    pub = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True, capture_output=True
    )
    return key, b"v=DKIM1; k=rsa; p=" + base64.b64encode(pub.stdout)


def test_the_confirmation_email_is_dkim_signed_and_verifies(db: Database, clock: FrozenClock, tmp_path: Path) -> None:
    key, record = _rsa_key(tmp_path)
    s = settings(tmp_path)
    domain = s.network.from_address.rsplit("@", 1)[-1]
    s.mail.dkim.enabled, s.mail.dkim.domain, s.mail.dkim.selector = True, domain, "relais"
    s.mail.dkim.key_file = str(key)
    kit = build_subscribers(Services(settings=s, db=db, clock=clock))
    kit.service.signup(SignupForm(email="camille@asso.fr", name="Camille"))
    [eml] = (tmp_path / "outbox").glob("*.eml")
    data = eml.read_bytes()
    assert b"\r\nTo: camille@asso.fr\r\n" in data
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert msg["To"] == "camille@asso.fr" and "Confirmez" in str(msg["Subject"])
    assert msg["Auto-Submitted"] == "auto-generated" and msg["List-Unsubscribe"] is None  # one person, not bulk
    asked: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        asked.append(name)
        return record

    verifier = dkim.DKIM(data)
    assert verifier.verify(dnsfunc=dns)  # dkimpy reads the signature, asks "DNS" for the key, checks both hashes
    assert asked == [f"relais._domainkey.{domain}.".encode()]
    tags = verifier.signature_fields
    assert tags[b"d"] == domain.encode() and tags[b"s"] == b"relais" and tags[b"a"] == b"rsa-sha256"
    assert {b"from", b"to", b"subject", b"message-id"} <= {h.strip().lower() for h in tags[b"h"].split(b":")}
    assert not dkim.verify(data.replace(b"\r\nTo: camille@", b"\r\nTo: mallory@", 1), dnsfunc=dns)


def test_a_network_with_its_own_key_signs_for_its_own_domain(db: Database, clock: FrozenClock, tmp_path: Path) -> None:
    """Several networks: each signs with its own DKIM key for its own sender domain ([networks.dkim]), the others
    with [mail.dkim]; a verifier asks each network's domain for its key."""
    key, record = _rsa_key(tmp_path)
    s = settings(tmp_path)
    s.mail.dkim.enabled, s.mail.dkim.domain, s.mail.dkim.selector = True, "resacoop.example", "relais"
    s.mail.dkim.key_file = str(key)
    centre = replace(
        s.network,
        slug="centraider",
        name="Centraider",
        from_address="lettre@centraider.example",
        base_url="https://lettre.centraider.test",
        dkim=DkimSettings(True, "centraider.example", "c2026", str(key)),
    )
    two = replace(s, networks=[s.network, centre])
    b = Services(settings=two, db=db, clock=clock).for_network("centraider")
    build_subscribers(b).service.signup(SignupForm(email="camille@asso.fr", name="Camille"))
    [eml] = (tmp_path / "outbox").glob("*.eml")
    data = eml.read_bytes()
    asked: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        asked.append(name)
        return record

    verifier = dkim.DKIM(data)
    assert verifier.verify(dnsfunc=dns)
    assert asked == [b"c2026._domainkey.centraider.example."]
    assert verifier.signature_fields[b"d"] == b"centraider.example"
    assert "lettre@centraider.example" in str(email.message_from_bytes(data, policy=email.policy.default)["From"])
