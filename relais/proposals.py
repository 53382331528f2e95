"""Wiring of members' proposals (:mod:`curation.proposals`): settings, taxonomy, outbound policy, limits and the
system mail path in; the service out. Part of the composition root."""

from __future__ import annotations

from datetime import timedelta

from curation.proposal_form import SOURCE_NAME, Vocabulary
from curation.proposals import ProposalLinks, ProposalService
from relais.wiring import Services, build_subscribers, outbound_policy
from subscribers.mailer import SystemMailer
from subscribers.ratelimit import RateLimiter


def build_proposals(services: Services, mailer: SystemMailer | None = None) -> ProposalService:
    """The proposal flows. Their emails take the subscribers' system mail path (the one the confirmation of a
    sign-up takes): rendered by subscribers, composed, signed and sent by delivery."""
    from watch.service import taxonomy_rules

    settings = services.settings
    conf, tax, net = settings.proposals, settings.taxonomy, settings.network
    hour = timedelta(hours=1)
    # Each network's « Proposition d'un membre » sources apart (source names are unique in the deployment).
    source_label = f"{SOURCE_NAME} ({net.name})" if services.several_networks else SOURCE_NAME
    return ProposalService(
        db=services.db,
        clock=services.clock,
        settings=conf,
        vocabulary=Vocabulary(
            themes={t.slug: t.label for t in tax.themes}, territories={t.slug: t.label for t in tax.territories}
        ),
        policy=outbound_policy(settings),
        links=ProposalLinks(services.secret_key, net.base_url),
        mailer=mailer or build_subscribers(services).service.mailer,
        images_dir=settings.resolve(conf.images_dir),
        per_ip=RateLimiter(conf.rate_per_ip_per_hour, hour, services.clock),
        per_address=RateLimiter(conf.rate_per_address_per_hour, hour, services.clock),
        timezone=net.timezone,
        site_url=net.base_url,
        rules=taxonomy_rules(tax),
        source_label=source_label,
    )


def upload_limits(services: Services) -> dict[str, int]:
    """The public paths that take a file, and how large it may be (the request body cap adds room for the form)."""
    return {"/propose": services.settings.proposals.max_image_bytes}
