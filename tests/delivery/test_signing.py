"""DKIM signing in worker processes: what a worker writes is what the sender would, dkimpy verifies it, and a
worker that fails or dies costs a signature in place, never a message or the ledger's truth."""

from __future__ import annotations

import base64
import os
import signal
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from core.clock import FrozenClock
from core.errors import MailError
from core.message import Placeholder
from core.model import DeliveryStatus, Stream
from delivery import signing
from delivery.compose import BUDGET, Recipient, compile_segment, personalise_unsigned
from delivery.dkim import Signer
from delivery.mailers.base import SendResult
from delivery.mailers.memory import MemoryMailer
from delivery.send import SendConfig, send_issue
from delivery.signing import SigningPool
from storage.database import Database
from storage.deliveries import DeliveryRepository
from tests.delivery.fakes import SENDER, FakeLinks, add_issue, add_subscribers, context, segment

WHEN = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
AT = 1_793_600_000  # the t= tag of every signature here


def _rsa(folder: Path) -> tuple[Signer, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = folder / "dkim.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return Signer.from_file("resacoop.example", "relais", path, "rsa-sha256"), b"v=DKIM1; k=rsa; p=" + base64.b64encode(
        der
    )


def _ed25519(folder: Path) -> tuple[Signer, bytes]:
    key = ed25519.Ed25519PrivateKey.generate()
    path = folder / "dkim.key"
    path.write_bytes(base64.b64encode(key.private_bytes_raw()))
    record = b"v=DKIM1; k=ed25519; p=" + base64.b64encode(key.public_key().public_bytes_raw())
    return Signer.from_file("resacoop.example", "relais", path, "ed25519-sha256"), record


@pytest.fixture(params=["rsa", "ed25519"])
def keys(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Signer, bytes]:
    return _rsa(tmp_path) if request.param == "rsa" else _ed25519(tmp_path)


def _verify(message: bytes, record: bytes) -> bool:
    return bool(dkim.verify(message, dnsfunc=lambda name, timeout=5: record))


def _round(n: int, *, long_email: bool = False) -> list[tuple[bytes, bytes | None]]:
    """A round as the send loop composes it: unsigned messages and their body hashes (None for one gone base64,
    whose address is over its budget: the worker is then sent the whole message)."""
    compiled = compile_segment(segment(1, "a"), SENDER, Stream.NEWSLETTER, view_url="https://resacoop.example/l/1")
    emails = [f"m{i}@asso.fr" for i in range(n)]
    if long_email:
        emails[-1] = "a" * 64 + "@" + "b" * (BUDGET[Placeholder.EMAIL] - 64) + ".fr"
    todo = [
        (compiled, Recipient(i + 1, e, f"<relais.1.{i + 1}.abcdef12@resacoop.example>")) for i, e in enumerate(emails)
    ]
    return personalise_unsigned(todo, FakeLinks(), date=WHEN, sender=SENDER, dkim=True)


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_a_round_signed_by_a_worker_is_byte_for_byte_the_one_signed_in_place(keys: tuple[Signer, bytes]) -> None:
    signer, record = keys
    made = _round(5, long_email=True)
    assert made[-1][1] is None and all(h is not None for _, h in made[:-1])
    with SigningPool(signer, 2) as pool:
        tickets = [pool.submit([pool.item(m, h) for m, h in made], at=AT) for _ in range(3)]  # both workers
        answers = [pool.fields(t) for t in tickets]
    in_place = [signer.field(m, body_hash=h, at=AT) for m, h in made]
    for fields in answers:
        assert fields == in_place
    assert all(_verify(f + m, record) for f, (m, _) in zip(in_place, made, strict=True))
    assert all(f"t={AT};".encode() in f.replace(b"\r\n ", b" ").replace(b" ", b"") for f in in_place)


def test_a_worker_is_sent_the_head_alone_when_the_body_hash_is_known() -> None:
    (message, body_hash), *_ = _round(1)
    head, hashed = SigningPool.item(message, body_hash)
    assert hashed == body_hash and message.startswith(head) and head.endswith(b"\r\n\r\n")
    assert len(head) < len(message) // 4
    assert SigningPool.item(message, None) == (message, None)


def test_a_round_a_worker_cannot_sign_is_signed_in_place_where_the_error_surfaces(
    keys: tuple[Signer, bytes],
) -> None:
    signer, record = keys
    no_from = b"To: a@asso.fr\r\nSubject: t\r\n\r\nbonjour\r\n"
    with SigningPool(signer) as pool:
        assert pool.fields(pool.submit([(no_from, None)], at=AT)) is None
        with pytest.raises(MailError) as raised:
            signer.sign_all([(no_from, None)])
        assert raised.value.code == "dkim_no_from"
        made = _round(3)
        fields = pool.fields(pool.submit([pool.item(m, h) for m, h in made], at=AT))  # the worker goes on
        assert not pool.broken
    assert fields is not None
    assert all(_verify(f + m, record) for f, (m, _) in zip(fields, made, strict=True))


def test_a_killed_worker_breaks_the_pool_and_is_reaped(keys: tuple[Signer, bytes]) -> None:
    signer, _ = keys
    pool = SigningPool(signer)
    (pid,) = (w.pid for w in pool._workers)
    made = _round(2)
    waiting = pool.submit([pool.item(m, h) for m, h in made], at=AT)
    os.kill(pid, signal.SIGKILL)
    answers = [pool.fields(waiting), pool.fields(pool.submit([pool.item(m, h) for m, h in made], at=AT))]
    # The first round may have been answered before the kill; after the worker is gone, nothing is.
    assert answers[-1] is None and pool.broken
    pool.close()
    assert _reaped(pid)


def test_closing_the_pool_ends_its_workers(tmp_path: Path) -> None:
    signer, _ = _ed25519(tmp_path)
    pool = SigningPool(signer, 2)
    pids = [w.pid for w in pool._workers]
    pool.close()
    assert all(_reaped(p) for p in pids)
    assert pool.broken and pool.fields(pool.submit([], at=AT)) is None


class _KillsWorkers:
    """The memory mailer, killing every signing worker the send forked once ``after`` rounds went through."""

    def __init__(self, inner: MemoryMailer, pids: list[int], after: int) -> None:
        self.inner, self.pids, self.after, self.rounds = inner, pids, after, 0
        self.concurrency = inner.concurrency

    def send(self, envelope_from: str, recipient: str, message: bytes) -> SendResult:
        return self.inner.send(envelope_from, recipient, message)

    def send_many(
        self,
        envelope_from: str,
        items: Sequence[tuple[str, bytes]],
        meanwhile: Callable[[], None] | None = None,
        upcoming: Callable[[], Sequence[str]] | None = None,
        afterwards: Callable[[], None] | None = None,
    ) -> list[SendResult]:
        self.rounds += 1
        if self.rounds == self.after:
            for pid in self.pids:
                os.kill(pid, signal.SIGKILL)
        return self.inner.send_many(envelope_from, items, meanwhile, upcoming, afterwards)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the signing workers forked during the test."""
    pids: list[int] = []
    real = signing._fork

    def recording(signer: Signer) -> signing._Worker:
        worker = real(signer)
        pids.append(worker.pid)
        return worker

    monkeypatch.setattr(signing, "_fork", recording)
    return pids


def test_a_send_signs_in_its_workers_and_every_message_verifies(
    db: Database, clock: FrozenClock, tmp_path: Path, forked: list[int]
) -> None:
    signer, record = _ed25519(tmp_path)
    emails = [f"membre{i}@asso{i}.fr" for i in range(30)]
    add_subscribers(db, emails)
    mailer = MemoryMailer()
    mailer.concurrency = 4
    ctx = context(db, mailer, clock, config=SendConfig(signing_processes=2))
    ctx.signer = signer
    assert send_issue(ctx, add_issue(db)).outcome == "sent"
    assert len(forked) == 2 and all(_reaped(p) for p in forked)  # forked for the send, gone after it
    assert sorted(m.recipient for m in mailer.sent) == sorted(emails)
    assert all(_verify(m.message, record) for m in mailer.sent)


def test_a_send_whose_signing_worker_dies_signs_the_rest_itself(
    db: Database, clock: FrozenClock, tmp_path: Path, forked: list[int]
) -> None:
    """The worker is killed while it holds rounds: those rounds and the rest are signed in the sender. Every
    subscriber gets one message that verifies, the ledger says accepted for each, nothing is flagged."""
    signer, record = _rsa(tmp_path)
    emails = [f"membre{i}@asso{i}.fr" for i in range(40)]
    add_subscribers(db, emails)
    inner = MemoryMailer()
    inner.concurrency = 4
    ctx = context(db, _KillsWorkers(inner, forked, after=3), clock, config=SendConfig(signing_processes=1))
    ctx.signer = signer
    issue = add_issue(db)
    report = send_issue(ctx, issue)
    assert report.outcome == "sent" and len(forked) == 1 and _reaped(forked[0])
    assert sorted(m.recipient for m in inner.sent) == sorted(emails)  # each once
    assert all(_verify(m.message, record) for m in inner.sent)
    assert report.counts[DeliveryStatus.ACCEPTED] == len(emails)
    with db.session() as s:
        ledger = DeliveryRepository(s).ledger(issue)
    assert len(ledger) == len(emails) and not any(e.requeued_after_crash for e in ledger)


def test_without_signing_workers_the_send_signs_in_place(
    db: Database, clock: FrozenClock, tmp_path: Path, forked: list[int]
) -> None:
    signer, record = _rsa(tmp_path)
    add_subscribers(db, [f"m{i}@asso.fr" for i in range(6)])
    mailer = MemoryMailer()
    ctx = context(db, mailer, clock, config=SendConfig(signing_processes=0))
    ctx.signer = signer
    assert send_issue(ctx, add_issue(db)).outcome == "sent"
    assert forked == []
    assert len(mailer.sent) == 6 and all(_verify(m.message, record) for m in mailer.sent)


def test_a_round_collected_out_of_turn_drops_the_one_before_it(tmp_path: Path) -> None:
    """A worker answers in order: collecting a later round reads and drops an earlier one never collected."""
    signer, record = _ed25519(tmp_path)
    first, second = _round(2), _round(3)
    with SigningPool(signer) as pool:
        dropped = pool.submit([pool.item(m, h) for m, h in first], at=AT)
        kept = pool.submit([pool.item(m, h) for m, h in second], at=AT)
        fields = pool.fields(kept)
        assert pool.fields(dropped) is None and not pool.broken
    assert fields is not None and len(fields) == 3
    assert all(_verify(f + m, record) for f, (m, _) in zip(fields, second, strict=True))


def test_a_worker_that_hangs_is_given_up_and_killed(tmp_path: Path) -> None:
    """A worker that stops answering (here: stopped by SIGSTOP) costs ``patience``, then the round is signed in
    place and the pool is broken; closing it kills and reaps the worker."""
    signer, record = _ed25519(tmp_path)
    pool = SigningPool(signer, patience=0.3)
    (pid,) = (w.pid for w in pool._workers)
    os.kill(pid, signal.SIGSTOP)
    made = _round(2)
    assert pool.fields(pool.submit([pool.item(m, h) for m, h in made], at=AT)) is None
    assert pool.broken
    pool.close()
    assert _reaped(pid)
    assert all(_verify(s, record) for s in signer.sign_all(made))
