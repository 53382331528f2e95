"""Test copies ("bon à tirer"): the issue as a subscriber would get it, sent to chosen addresses.

One copy per address: of the segment the staff chose, else of the address's own segment when it is a subscriber
who receives the issue, else of the largest segment. Its subject names the segment in words
(« [Test · Agriculture et alimentation, Isère] … »). Nothing is written to the ledger; the Message-ID is random,
so a test copy is never mistaken for the real message.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from core.errors import InvalidInput
from core.model import Stream, Subscriber
from delivery.compose import Recipient, compile_segment, personalise
from delivery.ledger import STREAM_OF
from delivery.mailers.base import SendResult
from delivery.seams import Segmentation
from delivery.send import SendContext, audience_of
from storage.deliveries import DeliveryRepository
from storage.issues import IssueRepository


class ProofCopy(NamedTuple):
    address: str
    segment: str  # the segment's key
    result: SendResult
    description: str  # the segment in words
    own: bool = False  # the address is a subscriber and got their own segment


def choose_segments(
    segmentation: Segmentation, subscribers: Sequence[Subscriber], addresses: Sequence[str], segment: str | None
) -> list[tuple[str, str, bool]]:
    """(address, segment key, whether it is the address's own) for each address. Pure."""
    if segment is not None:
        return [(addr, segment, False) for addr in addresses]
    sizes = Counter(k for k in map(segmentation.segment_of, subscribers) if k is not None)
    largest = max(segmentation.segments, key=lambda k: sizes.get(k, 0))  # the first of equals
    by_email = {sub.email.lower(): sub for sub in subscribers}
    out = []
    for addr in addresses:
        sub = by_email.get(addr.lower())
        own = segmentation.segment_of(sub) if sub is not None else None
        out.append((addr, own, True) if own is not None else (addr, largest, False))
    return out


class SegmentAudience(NamedTuple):
    key: str
    description: str
    recipients: int


def described_audience(ctx: SendContext, issue_id: int) -> list[SegmentAudience]:
    """Who would receive the issue if it started now, per segment, each in words; largest first. Writes nothing."""
    with ctx.db.session() as s:
        issue = IssueRepository(s).get(issue_id)
        subscribers = DeliveryRepository(s).confirmed_subscribers(issue_id)
    segmentation = ctx.segmenter(issue_id, subscribers)
    counts = audience_of(ctx, issue_id, STREAM_OF[issue.kind], subscribers, segmentation)
    rows = [SegmentAudience(k, segmentation.descriptions.get(k, ""), n) for k, n in counts.items()]
    return sorted(rows, key=lambda r: (-r.recipients, r.description))


def proof_subject(subject: str, description: str) -> str:
    return f"[Test · {description}] {subject}" if description else f"[Test] {subject}"


def send_test(
    ctx: SendContext, issue_id: int, addresses: list[str], stream: Stream, segment: str | None = None
) -> list[ProofCopy]:
    """segment | choose each address's segment | compose once per segment used | send one copy per address."""
    with ctx.db.session() as s:
        subscribers = DeliveryRepository(s).confirmed_subscribers(issue_id)
    segmentation = ctx.segmenter(issue_id, subscribers)
    if not segmentation.segments:
        raise InvalidInput(f"issue {issue_id} has no rendered segment: nothing to test", code="no_rendered_segment")
    if segment is not None and segment not in segmentation.segments:
        raise InvalidInput(
            f"issue {issue_id} has no segment {segment!r}; it has: {', '.join(segmentation.segments)}",
            code="no_such_segment",
            segment=segment,
        )
    compiled = {}
    out = []
    for addr, key, own in choose_segments(segmentation, subscribers, addresses, segment):
        description = segmentation.descriptions.get(key, "")
        if key not in compiled:
            seg = segmentation.segments[key]
            test = type(seg)(seg.issue_id, seg.key, proof_subject(seg.subject, description), seg.html, seg.text,
                             seg.item_ids)  # fmt: skip
            compiled[key] = compile_segment(test, ctx.sender, stream, view_url=ctx.view_url(issue_id))
        mid = f"<relais.test.{issue_id}.{secrets.token_hex(6)}@{ctx.sender.domain}>"
        data = personalise(compiled[key], Recipient(0, addr, mid), ctx.links, date=ctx.clock.now(), sender=ctx.sender)
        if ctx.signer:
            data = ctx.signer.sign(data)
        out.append(ProofCopy(addr, key, ctx.mailer.send(ctx.sender.from_address, addr, data), description, own))
    return out
