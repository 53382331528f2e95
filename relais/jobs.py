"""The scheduler's jobs, as plain functions of the services.

APScheduler persists jobs by reference (``relais.jobs:run``) with picklable arguments, so a job names what to do
and the services are attached to this module when the scheduler starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.errors import InvalidInput
from relais.wiring import Services, build_subscribers, digest_service, sync_sources

log = logging.getLogger("relais.jobs")

_services: Services | None = None


@dataclass(frozen=True)
class JobSpec:
    id: str
    action: str  # a key of ACTIONS
    trigger: BaseTrigger
    kwargs: dict[str, Any] = field(default_factory=dict)


def attach(services: Services) -> None:
    global _services
    _services = services


def run(action: str, **kwargs: Any) -> None:
    """What APScheduler calls: look up the action and run it with the attached services."""
    if _services is None:
        raise RuntimeError("no services attached to the scheduler")
    log.info("job.start", extra={"action": action, **kwargs})
    ACTIONS[action](_services, **kwargs)
    log.info("job.done", extra={"action": action, **kwargs})


def _sync(services: Services) -> None:
    sync_sources(services)


def _build_newsletter(services: Services) -> None:
    """The monthly draft: staff then edit and approve it. Nothing new approved is not an error, just nothing."""
    try:
        issue = digest_service(services).build_newsletter(by="scheduler")
    except InvalidInput as exc:
        log.info("digest.no_newsletter", extra={"reason": str(exc)})
        return
    log.info("digest.newsletter_built", extra={"issue": issue.id, "items": len(issue.entries)})


def _purge_unconfirmed(services: Services) -> None:
    purged = build_subscribers(services).service.purge_unconfirmed()
    log.info("subscribers.purged", extra={"purged": purged})


ACTIONS: dict[str, Callable[..., Any]] = {
    "sources.sync": _sync,
    "digest.newsletter": _build_newsletter,
    "subscribers.purge": _purge_unconfirmed,
}


def _base_jobs(services: Services) -> list[JobSpec]:
    tz = services.settings.network.timezone
    return [JobSpec("sources.sync", "sources.sync", IntervalTrigger(hours=1, timezone=tz))]


def newsletter_trigger(services: Services) -> CronTrigger:
    return CronTrigger.from_crontab(
        services.settings.scheduler.newsletter_cron, timezone=services.settings.network.timezone
    )


def _subscriber_jobs(services: Services) -> list[JobSpec]:
    tz = services.settings.network.timezone
    return [JobSpec("subscribers.purge", "subscribers.purge", IntervalTrigger(hours=1, timezone=tz))]


# Each capability adds a function here that plans its jobs from the services.
def _digest_jobs(services: Services) -> list[JobSpec]:
    return [JobSpec("digest.newsletter", "digest.newsletter", newsletter_trigger(services))]


PLANNERS: list[Callable[[Services], list[JobSpec]]] = [_base_jobs, _digest_jobs, _subscriber_jobs]
