"""DKIM signing in worker processes, while the send loop talks SMTP.

A signature costs the sender ~0.1 ms of Python (the header canonicalised, folded, hashed) and, with RSA-2048, a
~0.3 ms private-key operation: as much CPU as everything else the loop does for a message. The loop's thread
cannot do it while it waits for the relay; a worker can. So the send loop composes a round, hands its heads to a
worker (:meth:`SigningPool.submit`), composes the next rounds and sends the previous ones, and collects the
DKIM-Signature fields (:meth:`SigningPool.fields`) just before the round goes out.

    loop   compose k+2 | submit k+2 | fields k | send k (SMTP) …
    worker                  sign k, k+1, k+2 …

- A worker is forked from the sender (``os.fork``: no pickling of the key, nor of the signer's clock; a forked
  sender of ``[mail] processes`` forks its own) and talks over a socket pair. It is sent only what it signs: each
  message's head and body hash (the body's hash comes from the segment's :class:`delivery.dkim.BodyTemplate`), or
  the whole message when the template could not give it. The t= tag is the sender's clock, sent with the round.
- Each worker answers its rounds in the order they were given; rounds go to the workers in turn.
- What it returns is :meth:`delivery.dkim.Signer.field`, the same function that signs in the sender, so a
  message signed by a worker is byte for byte the one signed in place.
- A worker that died, hangs (no answer within ``patience``), or could not sign a round (an error it raises)
  answers nothing: :meth:`fields` returns None, and the caller signs that round itself (the error, if any, is
  then raised where it always was). Signing happens before the round is sent, so a worker lost never leaves a
  message sent and unrecorded. A pool with a dead or stuck worker stops taking rounds (:attr:`broken`): the rest
  of the send signs in the sender.
- A worker exits when its socket closes: :meth:`close` (which kills one that does not), or the sender's death
  (even SIGKILL).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import time
import warnings
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe

from delivery import dkim
from delivery.dkim import Signer

log = logging.getLogger("relais.delivery")

Item = tuple[bytes, bytes | None]  # a message (or its head alone, ending in the blank line) and its body hash


@dataclass(frozen=True, slots=True)
class Ticket:
    """A round handed to a worker; its fields are collected with :meth:`SigningPool.fields`."""

    worker: int
    seq: int


class _Worker:
    def __init__(self, pid: int, conn: Connection) -> None:
        self.pid, self.conn = pid, conn
        self.waiting: deque[int] = deque()  # the rounds given and not answered yet, in order


class SigningPool:
    """``processes`` forked signers for one sender process; close it (or use it as a context manager)."""

    def __init__(self, signer: Signer, processes: int = 1, *, patience: float = 30.0) -> None:
        self.signer = signer
        self.patience = patience  # seconds a round may take (~5 ms is usual): a worker stuck longer is lost
        self.broken = False
        self._seq = 0
        self._workers: list[_Worker] = []
        try:
            for _ in range(max(1, processes)):
                self._workers.append(_fork(signer))
        except OSError:
            self.close()
            raise

    @property
    def size(self) -> int:
        return len(self._workers)

    def __enter__(self) -> SigningPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def item(message: bytes, body_hash: bytes | None) -> Item:
        """What a worker is sent for ``message``: its head alone when its body hash is known."""
        if body_hash is None:
            return message, None
        end = message.find(b"\r\n\r\n")
        return (message if end < 0 else message[: end + 4]), body_hash

    def submit(self, items: list[Item], at: int) -> Ticket:
        """Hand a round to the next worker (t= ``at``); never blocks for long (a round is a few KB)."""
        self._seq += 1
        n = self._seq % len(self._workers) if self._workers else 0
        ticket = Ticket(n, self._seq)
        if self.broken:
            return ticket
        worker = self._workers[n]
        try:
            worker.conn.send_bytes(pickle.dumps((items, at), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            self._lost(worker, exc)
            return ticket
        worker.waiting.append(ticket.seq)
        return ticket

    def fields(self, ticket: Ticket) -> list[bytes] | None:
        """The DKIM-Signature fields of the round, in order; None when the worker could not give them (sign the
        round in place). Rounds of a worker are collected in the order they were submitted; one skipped (its
        round abandoned) is read and dropped."""
        if self.broken or not self._workers:
            return None
        worker = self._workers[ticket.worker]
        while worker.waiting and worker.waiting[0] <= ticket.seq:
            seq = worker.waiting.popleft()
            try:
                if not worker.conn.poll(self.patience):
                    raise TimeoutError(f"no answer in {self.patience:g} s")
                answer = pickle.loads(worker.conn.recv_bytes())  # noqa: S301 (our own child, over our socket pair)
            except (OSError, EOFError, pickle.UnpicklingError) as exc:
                self._lost(worker, exc)
                return None
            if seq == ticket.seq:
                ok, value = answer
                return list(value) if ok else None
        return None  # not submitted to a worker (the pool broke before it)

    def _lost(self, worker: _Worker, exc: BaseException) -> None:
        if not self.broken:
            log.warning("delivery.signing_worker_lost", extra={"pid": worker.pid, "error": repr(exc)[:300]})
        self.broken = True

    def close(self) -> None:
        """Close the sockets (each worker exits on its end of file) and reap the workers."""
        for w in self._workers:
            with contextlib.suppress(OSError):
                w.conn.close()
        for w in self._workers:
            _reap(w.pid)
        self._workers = []
        self.broken = True


def _fork(signer: Signer) -> _Worker:
    mine, theirs = Pipe(duplex=True)  # a socket pair
    with warnings.catch_warnings():
        # Python 3.12 warns that a fork beside other threads may deadlock the child in a lock one of them held:
        # this child takes none of the sender's locks (no logging, no database), only runs _serve.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the worker: never returns
        code = 0
        try:
            mine.close()
            _serve(signer, theirs)
        except BaseException:  # nothing to report to: the sender sees the socket close
            code = 1
        finally:
            os._exit(code)
    theirs.close()
    return _Worker(pid, mine)


def _serve(signer: Signer, conn: Connection) -> None:
    """Sign rounds until the sender closes the socket. A round that raises is answered (False, message): the
    sender signs it again in place, where the error surfaces as it always did."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the sender's to handle; it closes the socket
    dkim._private_key.cache_clear()  # a key object of our own: none of the sender's threads' locks come along
    while True:
        try:
            data = conn.recv_bytes()
        except EOFError:
            return
        items, at = pickle.loads(data)  # noqa: S301 (our own parent, over our socket pair)
        try:
            answer: tuple[bool, object] = (True, signer.fields(items, at))  # RSA: on two threads (delivery.dkim)
        except Exception as exc:  # the sender signs in place and raises it there
            answer = (False, str(exc))
        conn.send_bytes(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


def _reap(pid: int, patience: float = 5.0) -> None:
    """Wait for a worker that was told to stop (it reads its end of file at once); kill one that does not."""
    deadline = time.monotonic() + patience
    try:
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.005)
    except ChildProcessError:
        pass
