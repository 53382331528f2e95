"""The sender's DNS, checked against a real authoritative DNS server on 127.0.0.1 (dnslib's, tests/delivery/
dns_server.py) that the resolver is pointed at through ``[mail] dns_servers``: a good setup, a missing DKIM key,
a mismatching key, an SPF over the 10-lookup limit, ``p=none``, and a server that does not answer."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from core.settings import DkimSettings, MailSettings
from delivery.dns_checks import Finding, Level, blocking, check_dns, public_key_record
from delivery.dns_records import DnsLookup
from tests.delivery.dns_server import Zone, dns_server, silent_server

FROM = "lettre@resacoop.example"
DKIM = DkimSettings(enabled=True, domain="resacoop.example", selector="relais", key_file="k.pem")
GOOD_SPF = "v=spf1 include:_spf.relay.example ip4:192.0.2.10 -all"
GOOD_DMARC = "v=DMARC1; p=quarantine; rua=mailto:dmarc@resacoop.example"


def pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())  # fmt: skip


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    """The p= of the signing key, and of another key."""
    mine, other = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    return public_key_record(pem(mine), "rsa-sha256"), public_key_record(pem(other), "rsa-sha256")


def zone(p: str, changes: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """The good setup, with ``changes`` (an empty list removes a name)."""
    base: dict[str, list[str]] = {
        "resacoop.example": ["google-site-verification=abc", GOOD_SPF],
        "_spf.relay.example": ["v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/48 -all"],
        "relais._domainkey.resacoop.example": [f"v=DKIM1; k=rsa; p={p}"],
        "_dmarc.resacoop.example": [GOOD_DMARC],
    }
    base.update(changes or {})
    return {name: records for name, records in base.items() if records}


def run(z: Zone, public: str, dkim: DkimSettings = DKIM, **kw: str) -> list[Finding]:
    with dns_server(z) as (server, _):
        lookup = DnsLookup(MailSettings(dns_servers=[server], dns_timeout=3))
        return check_dns(FROM, dkim, lookup, dkim_public_key=public, servers=server, **kw)


def by_code(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.code, []).append(f)
    return out


def test_a_good_setup_has_nothing_to_fix(keys: tuple[str, str]) -> None:
    findings = run(zone(keys[0]), keys[0], declared_spf=GOOD_SPF, declared_dmarc=GOOD_DMARC)
    assert [f for f in findings if f.level is not Level.INFO] == []
    said = {f.code: f.message for f in findings}
    assert said["spf"] == f"SPF de resacoop.example : « {GOOD_SPF} », 1 requête(s) DNS sur 10"
    assert (
        said["dkim-dns"]
        == "DKIM : la clé publiée à relais._domainkey.resacoop.example correspond à la clé de signature"
    )
    assert "DKIM d=resacoop.example et SPF alignés sur le From resacoop.example" in said["dmarc-alignment"]


def test_a_missing_dkim_key_says_which_record_to_publish(keys: tuple[str, str]) -> None:
    findings = run(zone(keys[0], {"relais._domainkey.resacoop.example": []}), keys[0])
    [error] = blocking(findings)
    assert error.code == "dkim-dns"
    assert error.message.startswith("aucune clé DKIM publiée à relais._domainkey.resacoop.example")
    assert f"« v=DKIM1; k=rsa; p={keys[0]} »" in error.message


def test_a_mismatching_key_is_an_error(keys: tuple[str, str]) -> None:
    [error] = blocking(run(zone(keys[1]), keys[0]))
    assert error.code == "dkim-dns" and "ne correspond pas à la clé de [mail.dkim] key_file" in error.message


def test_an_ed25519_key_is_compared_too() -> None:
    seed = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    p = public_key_record(base64.b64encode(seed), "ed25519-sha256")
    dkim = DkimSettings(enabled=True, domain="resacoop.example", selector="relais", algorithm="ed25519-sha256")
    z = zone(p, {"relais._domainkey.resacoop.example": [f"v=DKIM1; k=ed25519; p={p}"]})
    assert blocking(run(z, p, dkim)) == []
    [error] = blocking(run(zone(p), p, dkim))  # published as rsa
    assert "est de type rsa alors que Relais signe en ed25519-sha256" in error.message


def test_an_spf_over_ten_lookups_is_an_error(keys: tuple[str, str]) -> None:
    """Four services each including three more, plus an mx: 1 + 4 + 4×3... counted through the includes."""
    services = [f"svc{i}.example" for i in range(4)]
    changes = {"resacoop.example": ["v=spf1 mx " + " ".join(f"include:{s}" for s in services) + " -all"]}
    for s in services:
        changes[s] = ["v=spf1 " + " ".join(f"include:{n}.{s}" for n in ("a", "b")) + " ~all"]
        for n in ("a", "b"):
            changes[f"{n}.{s}"] = [f"v=spf1 ip4:203.0.113.{len(n)}/32 -all"]
    findings = run(zone(keys[0], changes), keys[0])
    [error] = blocking(findings)
    assert error.code == "spf-lookups"
    assert error.message.startswith("le SPF de resacoop.example demande 13 requêtes DNS")
    assert "plus que les 10 permises" in error.message and "ip4:/ip6:" in error.message
    # Without a valid SPF, DMARC rests on DKIM alone: still aligned, so no alignment error.
    assert by_code(findings)["dmarc-alignment"][0].level is Level.INFO


def test_p_none_is_a_warning_saying_what_to_do(keys: tuple[str, str]) -> None:
    findings = run(zone(keys[0], {"_dmarc.resacoop.example": ["v=DMARC1; p=none; rua=mailto:d@resacoop.example"]}),
                   keys[0])  # fmt: skip
    [warning] = [f for f in findings if f.level is Level.WARNING]
    assert warning.code == "dmarc" and "p=none" in warning.message and "passez à p=quarantine" in warning.message
    assert blocking(findings) == []


def test_what_else_breaks(keys: tuple[str, str]) -> None:
    """A dangling include, +all, no DMARC anywhere, a DKIM domain that does not align."""
    z = zone(keys[0], {"resacoop.example": ["v=spf1 include:gone.example +all"], "_dmarc.resacoop.example": []})
    other = DkimSettings(enabled=True, domain="envoi.example", selector="relais")
    z["relais._domainkey.envoi.example"] = [f"v=DKIM1; k=rsa; p={keys[0]}"]
    messages = [f.message for f in blocking(run(z, keys[0], other))]
    assert any("« include:gone.example » du SPF de resacoop.example mène à gone.example" in m for m in messages)
    assert any("se termine par « +all »" in m for m in messages)
    assert any(m.startswith("aucun enregistrement DMARC pour resacoop.example") for m in messages)


def test_alignment_fails_without_dkim_on_the_from_domain(keys: tuple[str, str]) -> None:
    other = DkimSettings(enabled=True, domain="envoi.example", selector="relais")
    z = zone(keys[0], {"resacoop.example": ["v=spf1 -all"], "_dmarc.resacoop.example": [GOOD_DMARC + "; aspf=s"]})
    z["relais._domainkey.envoi.example"] = [f"v=DKIM1; k=rsa; p={keys[0]}"]
    findings = run(z, keys[0], other, envelope_from="rebonds@bounce.resacoop.example")
    [error] = [f for f in blocking(findings) if f.code == "dmarc-alignment"]
    assert "ni la signature DKIM (d=envoi.example) ni l'enveloppe (bounce.resacoop.example" in error.message


def test_a_server_that_does_not_answer_is_said_not_guessed(keys: tuple[str, str]) -> None:
    with silent_server() as server:
        lookup = DnsLookup(MailSettings(dns_servers=[server], dns_timeout=0.5))
        findings = check_dns(FROM, DKIM, lookup, dkim_public_key=keys[0], servers=server)
    assert blocking(findings) == []
    assert {f.code for f in findings} == {"spf", "dkim-dns", "dmarc"}
    assert all(f.level is Level.WARNING and "ne répond pas (délai dépassé)" in f.message for f in findings)
    assert all("vérifiez [mail] dns_servers" in f.message for f in findings)


def test_each_name_is_asked_once(keys: tuple[str, str]) -> None:
    with dns_server(zone(keys[0])) as (server, table):
        lookup = DnsLookup(MailSettings(dns_servers=[server], dns_timeout=3))
        check_dns(FROM, DKIM, lookup, dkim_public_key=keys[0], servers=server)
        check_dns(FROM, DKIM, lookup, dkim_public_key=keys[0], servers=server)
    assert sorted(table.asked) == sorted(
        ["resacoop.example", "_spf.relay.example", "relais._domainkey.resacoop.example", "_dmarc.resacoop.example"]
    )


@pytest.mark.usefixtures("in_process_cli")
def test_relais_mail_check(keys: tuple[str, str], tmp_path: Path, database_url: str) -> None:
    from typer.testing import CliRunner

    from relais.cli import app

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "dkim.pem").write_bytes(pem(key))
    p = public_key_record(pem(key), "rsa-sha256")
    with dns_server(zone(p, {"_dmarc.resacoop.example": ["v=DMARC1; p=none"]})) as (server, _):
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            f'[database]\nurl = "{database_url}"\n[network]\nfrom_address = "{FROM}"\n'
            f'[mail]\ndns_servers = ["{server}"]\n[mail.dkim]\nenabled = true\ndomain = "resacoop.example"\n'
            'selector = "relais"\nkey_file = "dkim.pem"\n',
            encoding="utf-8",
        )
        result = CliRunner().invoke(app, ["--config", str(cfg), "mail", "check"])
        assert result.exit_code == 0, result.output
        assert "à surveiller" in result.output and "rien à corriger" in result.output
        (tmp_path / "dkim.pem").write_bytes(pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
        result = CliRunner().invoke(app, ["--config", str(cfg), "mail", "check", "--format", "json"])
    assert result.exit_code == 1
    assert '"code": "dkim-dns"' in result.output and "ne correspond pas" in result.output


def test_a_wrong_key_and_no_spf_fail_dmarc(keys: tuple[str, str]) -> None:
    """Aligned by name is not enough: a signature that will not verify does not pass DMARC."""
    findings = run(zone(keys[1], {"resacoop.example": []}), keys[0])
    [alignment] = [f for f in findings if f.code == "dmarc-alignment"]
    assert alignment.level is Level.ERROR
    assert "ni la signature DKIM (d=resacoop.example, qui ne se vérifiera pas) ni l'enveloppe" in alignment.message
    assert "SPF absent ou faux" in alignment.message
