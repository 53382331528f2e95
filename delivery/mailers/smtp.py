"""SMTP: a pool of persistent connections to one relay, driven by the send loop from one thread.

:meth:`SmtpMailer.send_many` sends a round of messages, one per connection, interleaving their steps so the relay
works on all of them at once. A connection is taken from the pool for one message and given back after it; a
connection that dropped, timed out or answered 421 is closed and replaced on next use. smtplib's exceptions are
mapped here, at the edge, to a :class:`SendResult`; nothing smtplib-shaped leaves this module.
"""

from __future__ import annotations

import contextlib
import enum
import queue
import re
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass

from core.settings import Security
from delivery.mailers.base import SendResult, Verdict


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: Security = Security.NONE
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    connections: int = 4
    local_hostname: str | None = None
    ssl_context: ssl.SSLContext | None = None
    pipelining: bool | None = None  # None: when the relay offers PIPELINING


_DOT = re.compile(rb"^\.", re.MULTILINE)  # dot-stuffing (RFC 5321 4.5.2)
_DOT_AFTER_LINE = re.compile(rb"\n\.")  # whether it is needed: 8 us on 20 KB, where ``b"\n." in message`` takes 22


def _reply(exc: smtplib.SMTPResponseException) -> str:
    msg = exc.smtp_error
    return msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)


class SmtpMailer:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.concurrency = max(1, config.connections)
        self._idle: queue.LifoQueue[smtplib.SMTP] = queue.LifoQueue()
        self._ssl: ssl.SSLContext | None = None
        # per thread, (sender, recipient) -> a connection whose envelope for them is written (see send_many)
        self._primed: dict[int, dict[tuple[str, str], smtplib.SMTP]] = {}
        self._lock = threading.Lock()

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        conn: smtplib.SMTP
        if c.security == Security.TLS:
            conn = smtplib.SMTP_SSL(c.host, c.port, c.local_hostname, timeout=c.timeout, context=self._tls())
        else:
            conn = smtplib.SMTP(c.host, c.port, c.local_hostname, timeout=c.timeout)
        try:
            # Each write is a whole step (envelope, content, end): sent at once, not held for the last one's ACK.
            if conn.sock is not None:
                with contextlib.suppress(OSError):
                    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.ehlo()
            if c.security == Security.STARTTLS:
                conn.starttls(context=self._tls())
                conn.ehlo()
            if c.username:
                conn.login(c.username, c.password)
        except BaseException:
            _close(conn)
            raise
        return conn

    def _tls(self) -> ssl.SSLContext:
        """Made once (loading the system's CA certificates costs milliseconds), and only when TLS is used."""
        if self._ssl is None:
            self._ssl = self.config.ssl_context or ssl.create_default_context()
        return self._ssl

    def _take(self) -> smtplib.SMTP | SendResult:
        """An idle connection, or a new one; a connection that cannot be made is the message's result."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        try:
            return self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            return SendResult(Verdict.TEMPORARY, exc.smtp_code, f"authentication refused: {_reply(exc)}")
        except smtplib.SMTPResponseException as exc:  # a 421 greeting: the relay takes nothing now
            verdict = Verdict.UNAVAILABLE if 400 <= exc.smtp_code < 500 else Verdict.CONNECTION
            return SendResult(verdict, exc.smtp_code, f"connect: {_reply(exc)}")
        except (OSError, smtplib.SMTPException) as exc:  # refused, unreachable, no greeting: nothing was sent
            return SendResult(Verdict.UNAVAILABLE, None, f"connect to {self.config.host}:{self.config.port}: {exc}")

    def send(self, envelope_from: str, recipient: str, message: bytes) -> SendResult:
        return self.send_many(envelope_from, [(recipient, message)])[0]

    def send_many(
        self,
        envelope_from: str,
        items: Sequence[tuple[str, bytes]],
        meanwhile: Callable[[], None] | None = None,
        upcoming: Callable[[], Sequence[str]] | None = None,
        afterwards: Callable[[], None] | None = None,
    ) -> list[SendResult]:
        """One message per connection, all at once from one thread: every connection writes its commands, then
        each reads its replies and writes its next step, in turn. The relay works on all of them in parallel
        while this thread does the next, so N connections cost no threads, locks or GIL hand-offs. ``items``
        should not outnumber ``concurrency`` (more open more connections).

        ``meanwhile`` runs once the messages' contents are written and before any message's end (the final
        ``.``) is: the send loop commits the previous round there, while the relay reads these messages, and no
        message of this round can have been accepted before it returns.

        ``upcoming`` (asked once, after ``meanwhile``) names the recipients of the caller's next round: with
        pipelining, each connection writes a next recipient's envelope (MAIL, RCPT, DATA) right after this
        message's end (RFC 2920), so the next round finds its envelopes answered and the relay's replies cost one
        wait a round instead of two. The next call sends those recipients' messages on those connections; a
        connection whose recipient does not come (the next round changed, or another call came first) is closed
        without ending its message, which the relay then drops: nothing is sent that was not asked for.

        ``afterwards`` runs once every end is written, before the verdicts are read (the send loop composes its
        next round there, while the relay takes the ends in)."""
        results: list[SendResult | None] = [None] * len(items)
        primed = self._primed_here()
        active: list[_Active] = []
        for i, (rcpt, message) in enumerate(items):
            ready = primed.pop((envelope_from, rcpt), None)
            conn = ready or self._take()
            if isinstance(conn, SendResult):
                results[i] = conn
                continue
            steps = self._transaction(conn, envelope_from, rcpt, message, primed=ready is not None)
            active.append(_Active(i, conn, steps))
        for stale in primed.values():  # in the middle of a DATA the relay drops when the connection closes
            _close(stale)
        nexts: list[str] | None = None
        try:
            while active:
                waiting = []
                for a in active:
                    value: str | None = None
                    if a.phase is _Phase.CONTENT:  # its end is next
                        if meanwhile is not None:
                            run_now, meanwhile = meanwhile, None
                            run_now()
                        if nexts is None:
                            nexts = list(upcoming()) if upcoming is not None else []
                        value = nexts.pop(0) if nexts else None
                    elif a.phase in (_Phase.END, _Phase.END_PRIMED) and afterwards is not None:
                        run_later, afterwards = afterwards, None
                        run_later()
                    ended = _advance(a.conn, a.steps, value, a.primes is not None)
                    if isinstance(ended, _Phase):
                        a.phase = ended
                        if ended is _Phase.END_PRIMED:
                            a.primes = value
                        waiting.append(a)
                    else:
                        results[a.index] = ended[0]
                        self._give_back(a.conn, ended[1], envelope_from, a.primes)
                active = waiting
            for late in (meanwhile, afterwards):  # no message reached that step: still run them
                if late is not None:
                    late()
        except BaseException:
            for a in active:  # mid-transaction: these connections cannot be reused
                _close(a.conn)
            raise
        return [r for r in results if r is not None]

    def _primed_here(self) -> dict[tuple[str, str], smtplib.SMTP]:
        """This thread's connections whose next envelope was written, taken out of the mailer."""
        with self._lock:
            return self._primed.pop(threading.get_ident(), {})

    def _give_back(self, conn: smtplib.SMTP, keep: bool, sender: str = "", primes: str | None = None) -> None:
        if not keep:
            _close(conn)
        elif primes is None:
            self._idle.put(conn)
        else:
            with self._lock:
                self._primed.setdefault(threading.get_ident(), {})[(sender, primes)] = conn

    def _transaction(
        self, conn: smtplib.SMTP, sender: str, rcpt: str, message: bytes, *, primed: bool = False
    ) -> _Steps:
        """MAIL, RCPT, DATA by hand (not ``sendmail``) to keep the relay's final reply for the ledger; pipelined
        (RFC 2920) when the relay offers it, which saves two round trips a message. Yields after each write, before
        reading its reply or writing the message's end, what it wrote (see :meth:`send_many`); returns the
        deciding reply. The message's content and its end are two writes, so the relay reads the content while
        the send loop commits. ``primed``: the envelope went out with the connection's previous message's end;
        sent the next recipient's address when it yields its content, it writes that envelope after the end."""
        body = b" BODY=8BITMIME" if conn.has_extn("8bitmime") else b""
        pipelined = self.config.pipelining
        if pipelined is None:
            pipelined = conn.has_extn("pipelining")
        pipelined = pipelined and sender.isascii()
        if primed or (pipelined and rcpt.isascii()):
            if not primed:
                conn.send(_envelope(sender, rcpt, body))
            yield _Phase.COMMAND
            (c1, r1), (c2, r2), (c3, r3) = conn.getreply(), conn.getreply(), conn.getreply()
            refused = (c1, r1) if c1 != 250 else (c2, r2) if c2 not in (250, 251) else None
            if refused and c3 == 354:  # DATA was accepted anyway: end an empty message, then RSET discards it
                conn.send(b".\r\n")
                conn.getreply()
            if refused:
                return refused
            if c3 != 354:
                return c3, r3
        else:
            conn.putcmd("mail", f"FROM:{smtplib.quoteaddr(sender)}{body.decode()}")
            yield _Phase.COMMAND
            code, reply = conn.getreply()
            if code != 250:
                return code, reply
            conn.putcmd("rcpt", f"TO:{smtplib.quoteaddr(rcpt)}")
            yield _Phase.COMMAND
            code, reply = conn.getreply()
            if code not in (250, 251):
                return code, reply
            conn.putcmd("data")
            yield _Phase.COMMAND
            code, reply = conn.getreply()
            if code != 354:
                return code, reply
        # Dot-stuffing (RFC 5321 4.5.2); a composed message rarely has a line starting with a dot: skip the regex.
        data = _DOT.sub(b"..", message) if message.startswith(b".") or _DOT_AFTER_LINE.search(message) else message
        conn.send(data if data.endswith(b"\r\n") else data + b"\r\n")
        following = yield _Phase.CONTENT
        if pipelined and following is not None and following.isascii():
            conn.send(b".\r\n" + _envelope(sender, following, body))  # the end: from here on it may be accepted
            yield _Phase.END_PRIMED
        else:
            conn.send(b".\r\n")
            yield _Phase.END
        return conn.getreply()

    def close(self) -> None:
        with self._lock:
            primed, self._primed = self._primed, {}
        for conns in primed.values():  # mid-DATA: a QUIT would be read as the message's content
            for conn in conns.values():
                _close(conn)
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                return
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                _close(conn)


class _Phase(enum.Enum):
    """What a transaction wrote last, so what it does next."""

    START = enum.auto()  # nothing yet: its first commands
    COMMAND = enum.auto()  # a command (or the pipelined envelope): read its reply
    CONTENT = enum.auto()  # the message's content: write its end
    END = enum.auto()  # the message's end: read the relay's verdict
    END_PRIMED = enum.auto()  # the end and the next recipient's envelope: read the verdict (the envelope's later)


_Steps = Generator[_Phase, str | None, tuple[int, bytes]]


@dataclass(slots=True)
class _Active:
    index: int
    conn: smtplib.SMTP
    steps: _Steps
    phase: _Phase = _Phase.START
    primes: str | None = None  # the recipient whose envelope followed this message's end


def _envelope(sender: str, rcpt: str, body: bytes) -> bytes:
    return b"MAIL FROM:<%s>%s\r\nRCPT TO:<%s>\r\nDATA\r\n" % (sender.encode(), body, rcpt.encode())


def _advance(
    conn: smtplib.SMTP, steps: _Steps, value: str | None = None, primed: bool = False
) -> tuple[SendResult, bool] | _Phase:
    """Run a transaction to its next write (what it wrote), or to its end: the result, and whether the connection
    can be reused. Maps every way a transaction can end to a result. ``value``: the next recipient, for a
    transaction about to write its end; ``primed``: that envelope went out after the end, so the connection is in
    the middle of a DATA and cannot be reset (one whose message was not accepted is closed)."""
    try:
        return steps.send(value)
    except StopIteration as end:
        code, reply = end.value
    except smtplib.SMTPServerDisconnected as exc:
        return SendResult(Verdict.CONNECTION, None, f"connection lost: {exc}"), False
    except smtplib.SMTPResponseException as exc:
        return SendResult.from_code(exc.smtp_code, _reply(exc)), False
    except (OSError, smtplib.SMTPException) as exc:  # timeouts, resets
        kind = "timed out" if isinstance(exc, TimeoutError) else "failed"
        return SendResult(Verdict.CONNECTION, None, f"connection {kind}: {exc}"), False
    result = SendResult.from_code(code, _text(reply))
    if primed:
        return result, result.verdict is Verdict.ACCEPTED
    if result.verdict is not Verdict.ACCEPTED and code != 421:
        _rset(conn)
    return result, code != 421


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _rset(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError, smtplib.SMTPException):
        conn.rset()


def _close(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        conn.close()
