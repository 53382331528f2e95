"""What the staff read before a send, besides the email itself: the sender's DNS checks (SPF, DKIM, DMARC) and the
warnings of the issue sent last (complaints over Gmail and Yahoo's threshold).

The DNS checks come through a seam the composition root wires (``ctx.extra["sender_dns"]``, a callable returning
findings, time-boxed: :mod:`relais.presend_dns`); without it the page says they were not checked. Both run off the
event loop.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from starlette.concurrency import run_in_threadpool

from admin.web import WebContext
from figures.issue_reports import before_next_send


class Finding(Protocol):
    @property
    def level(self) -> str: ...

    @property
    def code(self) -> str: ...

    @property
    def message(self) -> str: ...


class Verdict(Protocol):
    @property
    def findings(self) -> list[Any]: ...

    @property
    def checked_at(self) -> datetime | None: ...


LEVELS = {"error": "à corriger", "warning": "à surveiller", "info": "bon"}


async def presend_notes(ctx: WebContext, issue_id: int) -> dict[str, Any]:
    """``dns``: the verdict (None when not wired); ``last_report`` and ``last_warnings``: the issue sent last."""
    check = ctx.extra.get("sender_dns")
    dns: Verdict | None = await run_in_threadpool(check) if check is not None else None
    report, warnings = await run_in_threadpool(before_next_send, ctx.db, issue_id)
    return {"dns": dns, "dns_levels": LEVELS, "last_report": report, "last_warnings": warnings}
