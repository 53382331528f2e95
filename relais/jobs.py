"""The scheduler's jobs, as plain functions of the services.

APScheduler persists jobs by reference (``relais.jobs:run``) with picklable arguments, so a job names what to do
and the services are attached to this module when the scheduler starts.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.errors import InvalidInput, MailboxError
from core.settings import NetworkSettings, parse_duration
from relais.wiring import Services, build_subscribers, digest_service, sync_sources

log = logging.getLogger("relais.jobs")

_services: Services | None = None


@dataclass(frozen=True)
class JobSpec:
    id: str
    action: str  # a key of ACTIONS
    trigger: BaseTrigger
    kwargs: dict[str, Any] = field(default_factory=dict)
    at_start: bool = False  # also run as soon as the scheduler starts (a restart resumes work at once)
    executor: str = "default"  # SENDING: the sends' own threads, one per network (relais.scheduler)


SENDING = "sending"  # the executor of the sends: collections and builds never take a send's thread


_networks: dict[str, Services] = {}  # each network's services, built once


def attach(services: Services) -> None:
    global _services
    _services = services
    _networks.clear()


def run(action: str, network: str | None = None, **kwargs: Any) -> None:
    """What APScheduler calls: look up the action and run it with the attached services, or with one network's
    when the job is that network's (``network``: its slug)."""
    if _services is None:
        raise RuntimeError("no services attached to the scheduler")
    services = _services
    if network is not None:
        if network not in _networks:
            _networks[network] = _services.for_network(network)
        services = _networks[network]
    log.info("job.start", extra={"action": action, "network": network, **kwargs})
    ACTIONS[action](services, **kwargs)
    log.info("job.done", extra={"action": action, "network": network, **kwargs})


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


_watches: dict[int, Any] = {}  # one Watch (and its parse pool) per attached services


def _collect(services: Services, source: str) -> None:
    """Collect one source; backoff and freshness are respected (the scheduler is not a person in a hurry)."""
    from relais.wiring import watch_service

    watch = _watches.get(id(services))
    if watch is None:
        watch = _watches[id(services)] = watch_service(services)
    for result in watch.collect([source]):
        log.info("watch.collected", extra={"source": result.source, "outcome": result.outcome, "new": result.new})


def _last_calls(services: Services) -> None:
    """Daily: draft a « Dernier rappel » emailing of the calls and funding closing soon (sent only once approved,
    unless ``[digest] last_call_auto``)."""
    from digest.last_calls import LastCalls

    issue = LastCalls(services.db, services.clock, digest_service(services), services.settings.digest).draft()
    log.info("digest.last_calls", extra={"issue": issue.id if issue else None})


def _alerts(services: Services) -> None:
    """Daily at 07:00 in the network's time zone: build the day's alert edition (the
    subscribers due today, each with what is new for them since their previous alert), then send it; a rerun after a
    crash resumes the same edition (the ledger sends nobody twice)."""
    from relais.sending import send_due
    from relais.wiring import alert_service

    issue = alert_service(services).build()
    log.info("digest.alerts", extra={"issue": issue.id if issue else None})
    if issue is not None:
        for report in send_due(services):
            log.info("delivery.run", extra={"issue_id": report.issue_id, "outcome": report.outcome})


def _proposals(services: Services) -> None:
    """Hourly: tell proposers the outcome an editor decided (from the CLI too), forget unconfirmed proposals."""
    from relais.proposals import build_proposals

    proposals = build_proposals(services)
    told, purged = proposals.notify(), proposals.purge_pending()
    log.info("proposals.maintained", extra={"told": told, "purged": purged})


def _send_due(services: Services) -> None:
    from relais.sending import send_due

    for report in send_due(services):
        log.info("delivery.run", extra={"issue_id": report.issue_id, "outcome": report.outcome})


def _read_bounces(services: Services) -> None:
    """The bounce mailbox: a server that refuses or drops us is a warning; the next pass takes up the rest."""
    from relais.bounce_mail import read_bounce_mailbox, summary

    try:
        report = read_bounce_mailbox(services)
    except MailboxError as exc:
        log.warning("bounces.mailbox_failed", extra={"error": str(exc)})
        return
    log.info("bounces.read", extra={"summary": summary(report), "messages": report.messages,
                                    "recorded": len(report.recorded), "unclassified": report.unclassified})  # fmt: skip


ACTIONS: dict[str, Callable[..., Any]] = {
    "sources.sync": _sync,
    "digest.newsletter": _build_newsletter,
    "subscribers.purge": _purge_unconfirmed,
    "watch.collect": _collect,
    "deliveries.send_due": _send_due,
    "subscribers.bounces": _read_bounces,
    "digest.last_calls": _last_calls,
    "digest.alerts": _alerts,
    "proposals.maintain": _proposals,
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


def _bounce_jobs(services: Services) -> list[JobSpec]:
    """The bounce mailbox, when there is one: the deployment's, read once for every network (each report goes to
    the network whose message it names)."""
    box = services.settings.subscribers.bounces
    if not box.imap_host:
        return []
    every = IntervalTrigger(seconds=parse_duration(box.every), timezone=services.settings.network.timezone)
    return [JobSpec("subscribers.bounces", "subscribers.bounces", every, at_start=True)]


# Each capability adds a function here that plans its jobs from the services.
def _digest_jobs(services: Services) -> list[JobSpec]:
    tz = services.settings.network.timezone
    return [
        JobSpec("digest.newsletter", "digest.newsletter", newsletter_trigger(services)),
        JobSpec("digest.last_calls", "digest.last_calls", CronTrigger(hour=8, minute=0, timezone=tz)),
        JobSpec("digest.alerts", "digest.alerts", CronTrigger(hour=7, minute=0, timezone=tz)),
        JobSpec("proposals.maintain", "proposals.maintain", IntervalTrigger(hours=1, timezone=tz)),
    ]


def _watch_jobs(services: Services) -> list[JobSpec]:
    """One job per enabled source at its own interval, jittered; the scheduler never overlaps or piles them up.
    Sources come from the database (config-declared ones are synced there first, admin-added ones live there)."""
    from storage.sources import SourceRepository

    with services.db.deployment().session() as s:  # every network's sources: one watch collects them all
        enabled = SourceRepository(s).find(enabled_only=True)
    tz = services.settings.network.timezone
    jitter = services.settings.scheduler.jitter_seconds
    return [
        JobSpec(
            f"watch.collect:{src.name}",
            "watch.collect",
            IntervalTrigger(seconds=src.every_seconds, jitter=jitter or None, timezone=tz),
            {"source": src.name},
        )
        for src in enabled
    ]


# Each capability adds a function here that plans its jobs from the services.


def _delivery_jobs(services: Services) -> list[JobSpec]:
    """Every minute: start scheduled issues whose time has come, resume sends (retries, windows, crashes)."""
    tz = services.settings.network.timezone
    return [
        JobSpec(
            "deliveries.send_due",
            "deliveries.send_due",
            IntervalTrigger(minutes=1, timezone=tz),
            at_start=True,
            executor=SENDING,
        )
    ]


def _each_network(planner: Callable[[Services], list[JobSpec]]) -> Callable[[Services], list[JobSpec]]:
    """A network's own work (its newsletter, alerts, sends, purges): with several networks, one job per network,
    in that network's time zone, so a slow or paused network never holds another's back."""

    def plan(services: Services) -> list[JobSpec]:
        if not services.several_networks:
            return planner(services)
        jobs = []
        for net in services.settings.all_networks:
            for spec in planner(_with_network(services, net)):
                kwargs = {**spec.kwargs, "network": net.slug}
                jobs.append(dataclasses.replace(spec, id=f"{spec.id}@{net.slug}", kwargs=kwargs))
        return jobs

    return plan


def _with_network(services: Services, network: NetworkSettings) -> Services:
    """The settings of one network, to plan its jobs (no database handle is taken)."""
    return dataclasses.replace(services, settings=dataclasses.replace(services.settings, network=network))


# Each capability adds a function here that plans its jobs from the services.
PLANNERS: list[Callable[[Services], list[JobSpec]]] = [
    _base_jobs,
    _watch_jobs,
    _each_network(_digest_jobs),
    _each_network(_subscriber_jobs),
    _bounce_jobs,
    _each_network(_delivery_jobs),
]
