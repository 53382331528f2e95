"""What the staff read before a send, besides the email itself: the sender's DNS checks (SPF, DKIM, DMARC) and the
warnings of the issue sent last (complaints over Gmail and Yahoo's threshold).

The DNS checks come through a seam the composition root wires (``WebContext.sender_dns``, a callable returning
findings, time-boxed: :mod:`relais.presend_dns`); without it the page says they were not checked. Both run off the
event loop.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from admin.seams import DnsVerdict
from admin.web import WebContext

LEVELS = {"error": "à corriger", "warning": "à surveiller", "info": "bon"}


async def presend_notes(ctx: WebContext, issue_id: int) -> dict[str, Any]:
    """``dns``: the verdict (None when not wired); ``last_report`` and ``last_warnings``: the issue sent last."""
    check = ctx.sender_dns
    dns: DnsVerdict | None = await run_in_threadpool(check) if check is not None else None
    report, warnings = await run_in_threadpool(ctx.figures.before_next_send, issue_id)
    return {"dns": dns, "dns_levels": LEVELS, "last_report": report, "last_warnings": warnings}
