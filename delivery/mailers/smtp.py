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


def _reply(exc: smtplib.SMTPResponseException) -> str:
    msg = exc.smtp_error
    return msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)


class SmtpMailer:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.concurrency = max(1, config.connections)
        self._idle: queue.LifoQueue[smtplib.SMTP] = queue.LifoQueue()
        self._ssl: ssl.SSLContext | None = None

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

    def _give_back(self, conn: smtplib.SMTP, keep: bool) -> None:
        if keep:
            self._idle.put(conn)
        else:
            _close(conn)

    def send(self, envelope_from: str, recipient: str, message: bytes) -> SendResult:
        return self.send_many(envelope_from, [(recipient, message)])[0]

    def send_many(
        self,
        envelope_from: str,
        items: Sequence[tuple[str, bytes]],
        meanwhile: Callable[[], None] | None = None,
        afterwards: Callable[[], None] | None = None,
    ) -> list[SendResult]:
        """One message per connection, all at once from one thread: every connection writes its commands, then
        each reads its replies and writes its next step, in turn. The relay works on all of them in parallel
        while this thread does the next, so N connections cost no threads, locks or GIL hand-offs. ``items``
        should not outnumber ``concurrency`` (more open more connections).

        ``meanwhile`` runs once the messages' contents are written and before any message's end (the final
        ``.``) is: the send loop commits the previous round there, while the relay reads these messages, and no
        message of this round can have been accepted before it returns. ``afterwards`` runs once every end is
        written, while the relay takes them in (the send loop composes its next round there)."""
        results: list[SendResult | None] = [None] * len(items)
        active: list[tuple[int, smtplib.SMTP, _Steps, _Phase]] = []
        for i, (rcpt, message) in enumerate(items):
            conn = self._take()
            if isinstance(conn, SendResult):
                results[i] = conn
            else:
                active.append((i, conn, self._transaction(conn, envelope_from, rcpt, message), _Phase.START))
        try:
            while active:
                waiting = []
                for i, conn, steps, phase in active:
                    if phase is _Phase.CONTENT and meanwhile is not None:  # the first end is next
                        run_now: Callable[[], None] = meanwhile
                        meanwhile = None
                        run_now()
                    elif phase is _Phase.END and afterwards is not None:  # every end is written
                        run_now = afterwards
                        afterwards = None
                        run_now()
                    ended = _advance(conn, steps)
                    if isinstance(ended, _Phase):
                        waiting.append((i, conn, steps, ended))
                    else:
                        results[i] = ended[0]
                        self._give_back(conn, ended[1])
                active = waiting
            for run_late in (meanwhile, afterwards):  # no message reached that step: still run them
                if run_late is not None:
                    run_late()
        except BaseException:
            for _, conn, _, _ in active:  # mid-transaction: these connections cannot be reused
                _close(conn)
            raise
        return [r for r in results if r is not None]

    def _transaction(self, conn: smtplib.SMTP, sender: str, rcpt: str, message: bytes) -> _Steps:
        """MAIL, RCPT, DATA by hand (not ``sendmail``) to keep the relay's final reply for the ledger; pipelined
        (RFC 2920) when the relay offers it, which saves two round trips a message. Yields after each write, before
        reading its reply or writing the message's end, what it wrote (see :meth:`send_many`); returns the
        deciding reply. The message's content and its end are two writes, so the relay reads the content while
        the send loop commits."""
        body = b" BODY=8BITMIME" if conn.has_extn("8bitmime") else b""
        pipelined = self.config.pipelining
        if pipelined is None:
            pipelined = conn.has_extn("pipelining")
        if pipelined and sender.isascii() and rcpt.isascii():
            conn.send(b"MAIL FROM:<%s>%s\r\nRCPT TO:<%s>\r\nDATA\r\n" % (sender.encode(), body, rcpt.encode()))
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
        data = _DOT.sub(b"..", message) if message.startswith(b".") or b"\n." in message else message
        conn.send(data if data.endswith(b"\r\n") else data + b"\r\n")
        yield _Phase.CONTENT
        conn.send(b".\r\n")  # the end: from here on the relay may accept the message
        yield _Phase.END
        return conn.getreply()

    def close(self) -> None:
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


_Steps = Generator[_Phase, None, tuple[int, bytes]]


def _advance(conn: smtplib.SMTP, steps: _Steps) -> tuple[SendResult, bool] | _Phase:
    """Run a transaction to its next write (what it wrote), or to its end: the result, and whether the connection
    can be reused. Maps every way a transaction can end to a result."""
    try:
        return next(steps)
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
