"""The embedded default: each message becomes an ``.eml`` file a person can open.

Files are written to a temporary name then renamed, so a crash never leaves half a message; the name is the
Message-ID's local part, so a resend after a crash overwrites the same file rather than adding one. Messages are
personal: the folder is created 0700 and each file 0600.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from core.files import private_dir, write_private
from delivery.mailers.base import SendResult, Verdict, send_each

_NO_ROOM = {errno.ENOSPC, errno.EDQUOT}
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*<([^>@]+)@", re.IGNORECASE | re.MULTILINE)


class OutboxMailer:
    concurrency = 1

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        private_dir(self.folder)

    def send(self, envelope_from: str, recipient: str, message: bytes) -> SendResult:
        m = _MESSAGE_ID.search(message[:8192])
        stem = m.group(1).decode("ascii", "replace") if m else f"message-{os.getpid()}-{id(message)}"
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", stem)
        path = self.folder / f"{stem}.eml"
        tmp = path.with_suffix(".tmp")
        try:
            envelope = f"X-Relais-Envelope-From: {envelope_from}\r\nX-Relais-Envelope-To: {recipient}\r\n"
            write_private(tmp, envelope.encode("utf-8") + message)
            tmp.replace(path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)  # half a message takes the room the next one needs
            # A full disk (or quota) takes no message at all: the send loop waits for room rather than counting
            # a failed attempt against every recipient.
            verdict = Verdict.UNAVAILABLE if exc.errno in _NO_ROOM else Verdict.TEMPORARY
            return SendResult(verdict, None, f"outbox {self.folder}: {exc}")
        return SendResult(Verdict.ACCEPTED, 250, f"written to {path.name}")

    def send_many(
        self,
        envelope_from: str,
        items: Sequence[tuple[str, bytes]],
        meanwhile: Callable[[], None] | None = None,
        upcoming: Callable[[], Sequence[str]] | None = None,
        afterwards: Callable[[], None] | None = None,
    ) -> list[SendResult]:
        return send_each(self, envelope_from, items, meanwhile, afterwards)

    def close(self) -> None:
        pass
