"""Everything the subscriber capability offers, built together from its dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.clock import Clock
from core.settings import Settings
from storage.database import Database
from subscribers.bounces import BounceRecorder
from subscribers.links import SubscriberLinks
from subscribers.mailer import SystemMailer
from subscribers.preferences import Choices
from subscribers.service import SubscriberService, identity_bulk, identity_lookup


@dataclass
class SubscriberKit:
    links: SubscriberLinks
    service: SubscriberService
    bounces: BounceRecorder
    choices: Choices


def make_kit(db: Database, clock: Clock, settings: Settings, secret_key: str, mailer: SystemMailer) -> SubscriberKit:
    conf = settings.subscribers
    links = SubscriberLinks(
        secret_key,
        settings.network.base_url,
        identity_lookup(db),
        clock,
        confirm_within=timedelta(hours=conf.confirm_within_hours),
        mailto_address=settings.network.reply_to or settings.network.from_address,
        identities=identity_bulk(db),
    )
    choices = Choices.from_taxonomy(settings.taxonomy)
    service = SubscriberService(db, clock, conf, choices, links, mailer)
    return SubscriberKit(links, service, BounceRecorder(db, clock, conf.soft_bounce_limit), choices)
