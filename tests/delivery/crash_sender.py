"""The sending process the crash test kills: ``python -m tests.delivery.crash_sender DB_URL PORT ISSUE``."""

from __future__ import annotations

import sys

from core.clock import SystemClock
from delivery.mailers.smtp import SmtpConfig, SmtpMailer
from delivery.send import send_issue
from storage.database import Database
from tests.delivery.fakes import context

CONNECTIONS = 4


def main(url: str, port: int, issue: int) -> None:
    db = Database(url)
    mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=10, connections=CONNECTIONS))
    ctx = context(db, mailer, SystemClock())  # type: ignore[arg-type]
    report = send_issue(ctx, issue)
    mailer.close()
    print(report.outcome, report.requeued, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
