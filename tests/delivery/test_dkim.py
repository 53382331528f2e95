"""DKIM signatures: dkimpy verifies every one, they cover RFC 8058's headers, and the header is dkimpy's own."""

from __future__ import annotations

import base64
import hashlib
import random
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import dkim
import nacl.signing
import pytest
from dkim.canonicalization import Relaxed

from core.clock import FrozenClock
from core.errors import ConfigError
from core.message import Placeholder, RenderedSegment
from core.model import Stream
from delivery.compose import BUDGET, Recipient, compile_segment, personalise
from delivery.dkim import SIGNED_HEADERS, BodyTemplate, Signer, canonical_body
from delivery.mailers.memory import MemoryMailer
from delivery.mailers.smtp import SmtpConfig, SmtpMailer
from delivery.send import SendConfig, send_issue
from storage.database import Database
from tests.delivery.fakes import SENDER, FakeLinks, add_issue, add_subscribers, context, segment
from tests.delivery.smtp_servers import Handler, smtp_server

WHEN = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
DOMAIN, SELECTOR = "resacoop.example", "relais"


def _message(seg: RenderedSegment | None = None, email: str = "alice@asso.fr", signer: Signer | None = None) -> bytes:
    compiled = compile_segment(
        seg or segment(1, "a"), SENDER, Stream.NEWSLETTER, view_url="https://resacoop.example/l/1"
    )
    r = Recipient(7, email, "<relais.1.7.abcdef12@resacoop.example>")
    return personalise(compiled, r, FakeLinks(), date=WHEN, sender=SENDER, signer=signer)


@pytest.fixture(scope="module")
def rsa(tmp_path_factory: pytest.TempPathFactory) -> tuple[Signer, bytes]:
    key = tmp_path_factory.mktemp("dkim") / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(key), "2048"], check=True, capture_output=True)
    pub = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True, capture_output=True
    )
    return Signer.from_file(DOMAIN, SELECTOR, key, "rsa-sha256"), b"v=DKIM1; k=rsa; p=" + base64.b64encode(pub.stdout)


@pytest.fixture(scope="module")
def ed25519(tmp_path_factory: pytest.TempPathFactory) -> tuple[Signer, bytes]:
    sk = nacl.signing.SigningKey.generate()
    key = tmp_path_factory.mktemp("dkim") / "dkim.key"
    key.write_bytes(base64.b64encode(bytes(sk)))
    record = b"v=DKIM1; k=ed25519; p=" + base64.b64encode(bytes(sk.verify_key))
    return Signer.from_file(DOMAIN, SELECTOR, key, "ed25519-sha256"), record


@pytest.fixture(params=["rsa", "ed25519"])
def signer(request: pytest.FixtureRequest) -> tuple[Signer, bytes]:
    return request.getfixturevalue(str(request.param))  # type: ignore[no-any-return]


def _verify(signed: bytes, record: bytes) -> bool:
    return bool(dkim.verify(signed, dnsfunc=lambda name, timeout=5: record))


def test_rsa_signature_verifies_and_covers_list_unsubscribe(rsa: tuple[Signer, bytes]) -> None:
    signer, record = rsa
    signed = signer.sign(_message())
    assert _verify(signed, record)
    verifier = dkim.DKIM(signed)
    assert verifier.verify(dnsfunc=lambda name, timeout=5: record)
    covered = {h.strip().lower() for h in verifier.signature_fields[b"h"].split(b":")}
    assert {b"from", b"list-unsubscribe", b"list-unsubscribe-post"} <= covered  # RFC 8058 asks for these signed
    assert verifier.signature_fields[b"c"] == b"relaxed/relaxed"
    tampered = signed.replace(b"https://resacoop.example/d/7", b"https://evil.example/d/7", 1)
    assert not _verify(tampered, record)


def test_ed25519_signature_verifies(ed25519: tuple[Signer, bytes]) -> None:
    signer, record = ed25519
    signed = signer.sign(_message())
    assert b"a=ed25519-sha256" in signed
    assert _verify(signed, record)


def test_a_bad_key_fails_at_start_with_its_name(tmp_path: Path) -> None:
    key = tmp_path / "broken.pem"
    key.write_text("not a key")
    with pytest.raises(ConfigError, match="key_file"):
        Signer.from_file("resacoop.example", "relais", key, "rsa-sha256")
    with pytest.raises(ConfigError, match="key_file"):
        Signer.from_file("resacoop.example", "relais", key, "ed25519-sha256")
    with pytest.raises(ConfigError, match="cannot read"):
        Signer.from_file("resacoop.example", "relais", tmp_path / "missing.pem", "rsa-sha256")
    with pytest.raises(ConfigError, match="algorithm"):
        Signer.from_file("resacoop.example", "relais", key, "rsa-sha1")


# Folded values, tabs and runs of spaces, no space after the colon, names in any case, a header twice.
ODD_HEADERS = (
    b"from:RESACOOP  <lettre@resacoop.example> \r\n"
    b"TO:\talice@asso.fr\r\n"
    b"Subject:  Appel \t \xc3\xa0  projets \r\n\tsuite  \r\n  et fin\r\n"
    b"Date: Mon,\t2 Nov 2026 08:00:00 +0000\r\n"
    b"To: bob@asso.fr\r\n"
    b"X-Other:  not signed\r\n"
    b"\r\n"
    b"Corps  du\tmessage \r\n\r\n\r\n"
)


@pytest.mark.parametrize("odd", [False, True], ids=["composed", "odd-headers"])
def test_the_header_is_byte_for_byte_the_one_dkimpy_writes(signer: tuple[Signer, bytes], odd: bool) -> None:
    """Our signer reuses dkimpy's folding and header selection and replaces the rest (canonicalising the body once
    per segment, OpenSSL's signatures); both schemes are deterministic, so for the same message, key and second
    the header must be dkimpy's own: a dkimpy release that changes its rules (pinned below 1.2) fails here."""
    ours, record = signer
    message = ODD_HEADERS if odd else _message()
    head = (b"\r\n" + message.split(b"\r\n\r\n", 1)[0]).lower()
    include = [h for h in SIGNED_HEADERS if b"\r\n" + h.lower() + b":" in head]
    theirs = dkim.DKIM(message, signature_algorithm=ours.algorithm.encode(), linesep=b"\r\n")
    for _ in range(5):  # both within the same second: the t= tag is the signing time
        mine = ours.sign(message)
        header = theirs.sign(
            SELECTOR.encode(), DOMAIN.encode(), ours.key, canonicalize=(b"relaxed", b"relaxed"), include_headers=include
        )
        if _tag(mine, b"t") == _tag(header, b"t"):
            break
    assert mine == header + message
    assert _verify(mine, record)


def _tag(header: bytes, name: bytes) -> bytes:
    unfolded = header.split(b"\r\n\r\n")[0].replace(b"\r\n", b"").replace(b" ", b"").replace(b"\t", b"")
    return next(t.split(b"=", 1)[1] for t in unfolded.split(b";") if t.split(b"=", 1)[0] == name)


EDGE_BODIES = [
    b"",
    b"\r\n",
    b"\r\n\r\n\r\n",
    b"a",
    b"a \r\n",
    b"a\t\r\n\r\n\r\n",
    b" \r\n",
    b"  a  b\t\tc \t \r\n\r\nd",
    b"\t",
    b"a\r\n \r\n",
    b"x\r\n\t\r\n\r\n",
    b"\r\n\r\nfirst lines empty\r\n",
]


def test_relaxed_body_canonicalisation_is_dkimpys() -> None:
    rng = random.Random(17)
    bodies = list(EDGE_BODIES)
    for _ in range(3000):
        raw = bytes(rng.choice(b"ab \t\n") for _ in range(rng.randint(0, 16)))
        bodies.append(raw.replace(b"\n", b"\r\n"))
    assert [canonical_body(b) for b in bodies] == [Relaxed.canonicalize_body(b) for b in bodies]


# Placeholders first, mid-line, at a line's end before trailing whitespace, after a tab, inside a link, last.
U, P, E = (p.value for p in (Placeholder.UNSUBSCRIBE_URL, Placeholder.PREFERENCES_URL, Placeholder.EMAIL))
TEMPLATES = [
    f"{E} en tête\r\nsuite  du\ttexte \r\nfin\r\n",
    f'début\r\n<a href="{U}">lien</a>   et {P}\t \r\nmilieu\r\n\r\n{E}\r\n\r\n\r\n',
    f"x\r\n\t{E}\t\r\n  {U}  \r\n",
    f"<p>{P}</p>",
    f"sans espace {U}{E}{P}\r\n \r\n\r\n",
    "aucun paramètre\r\n",
]
VALUES = [
    {Placeholder.UNSUBSCRIBE_URL: b"https://r.example/d/1.x", Placeholder.PREFERENCES_URL: b"https://r.example/p/1",
     Placeholder.EMAIL: "élodie@asso.fr".encode()},
    {Placeholder.EMAIL: b"a@b.fr"},  # the others left as they are, as fill leaves them
]  # fmt: skip


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("values", VALUES)
def test_the_body_hash_continued_from_the_segment_is_the_whole_bodys(
    template: str, values: dict[Placeholder, bytes]
) -> None:
    body = template.encode("utf-8")
    filled = body
    for p, v in values.items():
        filled = filled.replace(p.value.encode(), v)
    assert BodyTemplate(body).body_hash(values) == hashlib.sha256(Relaxed.canonicalize_body(filled)).digest()


@pytest.mark.parametrize("value", [b"", b"a b", b"a\tb", b"a\r\nb", b"fin "])
def test_a_value_that_would_change_its_line_is_hashed_whole(value: bytes) -> None:
    assert BodyTemplate(f"x {E} y\r\n".encode()).body_hash({Placeholder.EMAIL: value}) is None


def test_the_shared_part_is_what_comes_before_the_first_placeholder() -> None:
    t = BodyTemplate(f"{'a' * 90}\r\n{E}\r\n".encode())
    assert t.shared == pytest.approx(92 / (92 + len(E) + 2))


def _placed(where: str) -> RenderedSegment:
    """A segment whose personal links sit at ``where`` of the HTML, with whitespace around them."""
    filler = "  Appel à projets\t— coopération décentralisée.  \n" * 40
    personal = f'  <a href="{U}">Se désinscrire</a>\t{P} \n envoyé à {E}  \n'
    html = {"start": personal + filler, "middle": filler + personal + filler, "end": filler + personal}[where]
    return RenderedSegment(1, where, "RESA'CLIC", f"<html><body>\n{html}</body></html>", f"Texte\n{filler}\n")


@pytest.mark.parametrize("where", ["start", "middle", "end"])
@pytest.mark.parametrize(
    "email",
    ["alice@asso.fr", "a" * 64 + "@" + "b" * (BUDGET[Placeholder.EMAIL] - 64) + ".fr"],
    ids=["8bit", "over-budget-base64"],
)
def test_every_personalised_message_verifies(signer: tuple[Signer, bytes], where: str, email: str) -> None:
    ours, record = signer
    signed = _message(_placed(where), email, signer=ours)
    assert signed.startswith(b"DKIM-Signature: ")
    assert _verify(signed, record)
    assert (b"Content-Transfer-Encoding: base64" in signed) == email.startswith("aaaa")


def test_a_round_signed_together_comes_back_in_order(signer: tuple[Signer, bytes]) -> None:
    ours, record = signer
    messages = [_message(email=f"m{i}@asso.fr") for i in range(9)]
    signed = ours.sign_all([(m, None) for m in messages])
    assert len(signed) == len(messages)
    assert all(s.endswith(m) for s, m in zip(signed, messages, strict=True))
    assert all(_verify(s, record) for s in signed)


def test_a_signed_send_verifies_message_by_message(
    db: Database, clock: FrozenClock, signer: tuple[Signer, bytes]
) -> None:
    """The send loop signs with its segment's body template, rounds of 4 signed together (RSA on two threads):
    dkimpy verifies each message, each the one of its recipient (both engines)."""
    ours, record = signer
    add_subscribers(db, [f"membre{i}@asso{i}.fr" for i in range(6)] + ["zoe+lettre@asso.fr"])
    mailer = MemoryMailer()
    mailer.concurrency = 4
    ctx = context(db, mailer, clock)
    ctx.signer = ours
    assert send_issue(ctx, add_issue(db)).outcome == "sent"
    assert len(mailer.sent) == 7
    assert all(_verify(m.message, record) for m in mailer.sent)
    assert all(f"To: {m.recipient}\r\n".encode() in m.message for m in mailer.sent)
    assert len({_tag(m.message, b"bh") for m in mailer.sent}) == 7  # one body hash each: the links differ


def test_forked_senders_sign_over_smtp(db: Database, clock: FrozenClock, rsa: tuple[Signer, bytes]) -> None:
    """Two forked sender processes, each signing its rounds on its own threads (the parent's signing threads,
    already running here, do not exist in a child): every message that reaches the relay verifies."""
    ours, record = rsa
    ours.sign_all([(_message(), None)] * 2)  # the parent's pool exists before the fork
    emails = [f"m{i}@asso.fr" for i in range(40)]
    add_subscribers(db, emails)
    handler = Handler()
    with smtp_server(handler) as port:
        mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=5.0, connections=3))
        ctx = context(db, mailer, clock, config=SendConfig(processes=2))
        ctx.signer = ours
        report = send_issue(ctx, add_issue(db))
        mailer.close()
    assert report.outcome == "sent"
    assert sorted(r.recipient for r in handler.received) == sorted(emails)
    assert all(_verify(r.data, record) for r in handler.received)
