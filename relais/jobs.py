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

from relais.wiring import Services, sync_sources

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


def _send_due(services: Services) -> None:
    from relais.sending import send_due

    for report in send_due(services):
        log.info("delivery.run", extra={"issue_id": report.issue_id, "outcome": report.outcome})


ACTIONS: dict[str, Callable[..., Any]] = {
    "sources.sync": _sync,
    "deliveries.send_due": _send_due,
}


def _base_jobs(services: Services) -> list[JobSpec]:
    tz = services.settings.network.timezone
    return [JobSpec("sources.sync", "sources.sync", IntervalTrigger(hours=1, timezone=tz))]


def newsletter_trigger(services: Services) -> CronTrigger:
    return CronTrigger.from_crontab(
        services.settings.scheduler.newsletter_cron, timezone=services.settings.network.timezone
    )


def _delivery_jobs(services: Services) -> list[JobSpec]:
    """Every minute: start scheduled issues whose time has come, resume sends (retries, windows, crashes)."""
    tz = services.settings.network.timezone
    return [JobSpec("deliveries.send_due", "deliveries.send_due", IntervalTrigger(minutes=1, timezone=tz))]


# Each capability adds a function here that plans its jobs from the services.
PLANNERS: list[Callable[[Services], list[JobSpec]]] = [_base_jobs, _delivery_jobs]
