"""SMTP: a pool of persistent connections to one relay, shared by the send loop's worker threads.

A connection is taken from the pool for one message and given back after it; a connection that dropped, timed
out or answered 421 is closed and replaced on next use. smtplib's exceptions are mapped here, at the edge, to a
:class:`SendResult`; nothing smtplib-shaped leaves this module.
"""

from __future__ import annotations

import contextlib
import queue
import smtplib
import ssl
from dataclasses import dataclass

from delivery.mailers.base import SendResult, Verdict


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: str = "none"  # none | starttls | tls
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    connections: int = 4
    local_hostname: str | None = None
    ssl_context: ssl.SSLContext | None = None


def _reply(exc: smtplib.SMTPResponseException) -> str:
    msg = exc.smtp_error
    return msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)


class SmtpMailer:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.concurrency = max(1, config.connections)
        self._idle: queue.LifoQueue[smtplib.SMTP] = queue.LifoQueue()

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        ctx = c.ssl_context or ssl.create_default_context()
        conn: smtplib.SMTP
        if c.security == "tls":
            conn = smtplib.SMTP_SSL(c.host, c.port, c.local_hostname, timeout=c.timeout, context=ctx)
        else:
            conn = smtplib.SMTP(c.host, c.port, c.local_hostname, timeout=c.timeout)
        try:
            conn.ehlo()
            if c.security == "starttls":
                conn.starttls(context=ctx)
                conn.ehlo()
            if c.username:
                conn.login(c.username, c.password)
        except BaseException:
            _close(conn)
            raise
        return conn

    def send(self, envelope_from: str, recipient: str, message: bytes) -> SendResult:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            try:
                conn = self._connect()
            except smtplib.SMTPAuthenticationError as exc:
                return SendResult(Verdict.TEMPORARY, exc.smtp_code, f"authentication refused: {_reply(exc)}")
            except smtplib.SMTPResponseException as exc:
                return SendResult(Verdict.CONNECTION, exc.smtp_code, f"connect: {_reply(exc)}")
            except (OSError, smtplib.SMTPException) as exc:
                return SendResult(Verdict.CONNECTION, None, f"connect to {self.config.host}:{self.config.port}: {exc}")
        result, keep = self._send_on(conn, envelope_from, recipient, message)
        if keep:
            self._idle.put(conn)
        else:
            _close(conn)
        return result

    def _send_on(self, conn: smtplib.SMTP, sender: str, rcpt: str, message: bytes) -> tuple[SendResult, bool]:
        """MAIL, RCPT, DATA by hand (not ``sendmail``) to keep the relay's final reply for the ledger."""
        try:
            options = ["BODY=8BITMIME"] if conn.has_extn("8bitmime") else []
            for code, reply in (conn.mail(sender, options), conn.rcpt(rcpt)):
                if code not in (250, 251):
                    _rset(conn)
                    return SendResult.from_code(code, _text(reply)), code != 421
            code, reply = conn.data(message)
        except smtplib.SMTPServerDisconnected as exc:
            return SendResult(Verdict.CONNECTION, None, f"connection lost: {exc}"), False
        except smtplib.SMTPResponseException as exc:  # DATA itself refused
            _rset(conn)
            return SendResult.from_code(exc.smtp_code, _reply(exc)), exc.smtp_code != 421
        except (OSError, smtplib.SMTPException) as exc:  # timeouts, resets
            kind = "timed out" if isinstance(exc, TimeoutError) else "failed"
            return SendResult(Verdict.CONNECTION, None, f"connection {kind}: {exc}"), False
        if code == 421:
            return SendResult.from_code(code, _text(reply)), False
        return SendResult.from_code(code, _text(reply)), True

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


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _rset(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError, smtplib.SMTPException):
        conn.rset()


def _close(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        conn.close()
