"""Kill the sending process at random moments, start it again: everyone gets the message, duplicates stay
within the number of connections per crash, and the ledger names the rows that may have gone twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from core.model import DeliveryStatus
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.networks import FIRST_NETWORK
from storage.tables import SubscriberRow
from tests.delivery.crash_sender import CONNECTIONS
from tests.delivery.fakes import add_issue
from tests.delivery.smtp_servers import Handler, smtp_server

ROOT = Path(__file__).resolve().parents[2]
N = 5_000
KILLS = 4


def _sender(url: str, port: int, issue: int) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "tests.delivery.crash_sender", url, str(port), str(issue)]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_sigkill_during_a_5000_message_send(db: Database, database_url: str) -> None:
    with db.session() as s:
        s.add_all(
            SubscriberRow(
                network_id=FIRST_NETWORK,
                email=f"membre{i}@asso{i % 50}.fr",
                status="confirmed",
                preferences={"streams": ["newsletter"]},
                locale="fr",
                soft_bounces=0,
                token_version=0,
            )
            for i in range(N)
        )
    issue = add_issue(db)
    handler = Handler()
    rng = random.Random(7)
    with smtp_server(handler) as port:
        for k in range(1, KILLS + 1):
            # Kill at a random point of each fifth of the send, judged by what the server received, so that
            # every kill lands mid-send however fast or slow the machine is.
            target = int(N * (k + rng.uniform(-0.4, 0.4)) / (KILLS + 1))
            proc = _sender(database_url, port, issue)
            deadline = time.monotonic() + 120
            while len(handler.received) < target and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            assert proc.poll() is None, "the sender finished before it could be killed"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            proc.communicate()
        proc = _sender(database_url, port, issue)
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        assert out.startswith("sent")

    got = Counter(r.recipient for r in handler.received)
    assert set(got) == {f"membre{i}@asso{i % 50}.fr" for i in range(N)}  # nobody skipped
    duplicates = {e: n for e, n in got.items() if n > 1}
    assert sum(n - 1 for n in duplicates.values()) <= KILLS * CONNECTIONS
    with db.session() as s:
        ledger = DeliveryRepository(s).ledger(issue)
    assert len(ledger) == N and {e.delivery.status for e in ledger} == {DeliveryStatus.ACCEPTED}
    flagged = {e.delivery.email for e in ledger if e.requeued_after_crash}
    assert set(duplicates) <= flagged  # the ledger says which rows may have gone twice
    # the same Message-ID each time: receivers can recognise a resend
    ids = {(r.recipient, r.message_id) for r in handler.received}
    assert len(ids) == N
