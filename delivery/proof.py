"""Test copies ("bon à tirer"): the issue as a subscriber would get it, sent to chosen addresses.

Nothing is written to the ledger; the Message-ID is random and the subject says TEST, so a test copy is never
mistaken for the real message.
"""

from __future__ import annotations

import secrets

from core.errors import InvalidInput
from core.model import Stream
from delivery.compose import Recipient, compile_segment, personalise
from delivery.mailers.base import SendResult
from delivery.send import SendContext
from storage.deliveries import DeliveryRepository


def send_test(
    ctx: SendContext, issue_id: int, addresses: list[str], stream: Stream, segment: str | None = None
) -> list[tuple[str, str, SendResult]]:
    """Send one test copy of each segment (or of ``segment``) to each address: (address, segment, result)."""
    with ctx.db.session() as s:
        subscribers = DeliveryRepository(s).confirmed_subscribers()
    segments = dict(ctx.segmenter(issue_id, subscribers).segments)
    if segment is not None:
        if segment not in segments:
            raise InvalidInput(f"issue {issue_id} has no segment {segment!r}; it has: {', '.join(segments)}")
        segments = {segment: segments[segment]}
    if not segments:
        raise InvalidInput(f"issue {issue_id} has no rendered segment: nothing to test")
    out = []
    for key, seg in segments.items():
        test = type(seg)(seg.issue_id, seg.key, f"[TEST] {seg.subject}", seg.html, seg.text, seg.item_ids)
        compiled = compile_segment(test, ctx.sender, stream, view_url=ctx.view_url(issue_id))
        for addr in addresses:
            mid = f"<relais.test.{issue_id}.{secrets.token_hex(6)}@{ctx.sender.domain}>"
            data = personalise(compiled, Recipient(0, addr, mid), ctx.links, date=ctx.clock.now(), sender=ctx.sender)
            if ctx.signer:
                data = ctx.signer.sign(data)
            out.append((addr, key, ctx.mailer.send(ctx.sender.from_address, addr, data)))
    return out
