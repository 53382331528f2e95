"""The exact message a subscriber would get, as an ``.eml``: the digest renders, delivery composes and signs."""

from __future__ import annotations

from core.errors import InvalidInput
from core.model import Stream
from delivery.compose import Recipient, compile_segment, personalise
from delivery.ledger import message_id
from relais.wiring import Services, delivery_seams, digest_service, make_send_context
from storage.subscribers import SubscriberRepository


def eml(services: Services, issue_id: int, *, subscriber: str | None = None, segment: str | None = None) -> bytes:
    """The complete MIME message for ``subscriber`` (their own signed links and Message-ID), or a sample of
    ``segment`` (links to the subscription page)."""
    digest = digest_service(services)
    issue = digest.get(issue_id)
    stream = Stream(str(issue.kind))
    if subscriber is not None:
        with services.db.session() as s:
            sub = SubscriberRepository(s).by_email(subscriber.strip().lower())
        if sub is None or sub.id is None:
            raise InvalidInput(f"no subscriber {subscriber!r}", code="subscriber_not_found", subscriber=subscriber)
        rendered = digest.render_for(issue_id, sub.email)
        sub_id, email = sub.id, sub.email
    else:
        rendered = digest.render_segment(issue_id, segment or "")
        sub_id, email = 0, f"apercu@{services.settings.network.from_address.rsplit('@', 1)[-1]}"
    segmenter, links, bounces = delivery_seams(services)
    ctx = make_send_context(services, segmenter=segmenter, links=links, bounces=bounces)
    try:
        compiled = compile_segment(rendered, ctx.sender, stream, view_url=ctx.view_url(issue_id))
        mid = message_id(issue_id, sub_id, secret=services.secret_key, domain=ctx.sender.domain)
        data = personalise(compiled, Recipient(sub_id, email, mid), links, date=services.clock.now(), sender=ctx.sender)
        return ctx.signer.sign(data) if ctx.signer else data
    finally:
        ctx.mailer.close()
