"""The scheduler: APScheduler 3 with its job store in the same database.

Jobs are planned from the services (``relais.jobs.PLANNERS``), coalesced when missed, never overlapping, and
jittered so a restart does not fire everything at once.

Exactly one scheduler runs per deployment: :class:`Leader` starts it only while its process holds the
deployment's scheduler lock (``storage.locks.scheduler_lock``). A second one, on another machine or in another
``relais serve``, waits as a standby and takes over within ``[scheduler] standby_seconds`` when the first stops,
dies or loses its database session to another. At the same pace, the leader plans the jobs of the networks created
in the admin since it started.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from relais import jobs
from relais.heap import freeze_startup
from relais.wiring import Services, adopt_created_networks, sync_sources
from storage.database import is_outage
from storage.locks import HeldLock, scheduler_lock

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"


def planned_jobs(services: Services) -> list[jobs.JobSpec]:
    out: list[jobs.JobSpec] = []
    for plan in jobs.PLANNERS:
        out.extend(plan(services))
    return out


class _JobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    """APScheduler's store, over the services' engine: stopping the scheduler must not dispose of it, since the
    process goes on using it (its web pages, its lock, a standby's next turn)."""

    def shutdown(self) -> None:
        pass  # the engine is closed with the services


def make_scheduler(services: Services) -> BackgroundScheduler:
    jobs.attach(services)
    scheduler = BackgroundScheduler(
        jobstores={"default": _JobStore(engine=services.db.engine, tablename=JOBSTORE_TABLE)},
        # Sends have threads of their own, one per network: a network's slow send, or thousands of collections
        # due at once, never keep another network's send waiting for a thread.
        executors={
            "default": ThreadPoolExecutor(10),
            jobs.SENDING: ThreadPoolExecutor(len(services.settings.all_networks)),
        },
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=services.settings.network.timezone,
    )
    return scheduler


def start(services: Services) -> BackgroundScheduler:
    """Start the scheduler with the planned jobs (replacing stored ones of the same id)."""
    sync_sources(services)
    scheduler = make_scheduler(services)
    scheduler.start(paused=True)
    wanted = {spec.id for spec in planned_jobs(services)}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
    for spec in planned_jobs(services):
        scheduler.add_job(
            "relais.jobs:run",
            trigger=spec.trigger,
            args=[spec.action],
            kwargs=spec.kwargs,
            id=spec.id,
            name=spec.id,
            executor=spec.executor,
            replace_existing=True,
            **({"next_run_time": datetime.now(UTC)} if spec.at_start else {}),
        )
    scheduler.resume()
    return scheduler


class Role(StrEnum):
    """What a :class:`Leader` is doing, as its notifications say."""

    LEADING = "leading"  # holds the lock, runs the jobs
    STANDBY = "standby"  # another scheduler runs: waits for it
    STEPPED_DOWN = "stepped_down"  # lost its lock to another (its database session ended): stopped its jobs


class Leader:
    """Runs the scheduler while this process holds the deployment's scheduler lock, stands by otherwise.

    A thread asks for the lock every ``poll`` seconds: a standby takes it as soon as it is free, the leader checks
    it still has it (a PostgreSQL restart ends its session and the lock; it takes it back unless the standby was
    first, and then stops its jobs). While the database cannot be reached, the leader keeps its jobs (they wait for
    the database as they would anyway) and the standby keeps waiting."""

    def __init__(
        self,
        services: Services,
        *,
        poll: float | None = None,
        lock: HeldLock | None = None,
        notify: Callable[[Role], None] | None = None,
    ) -> None:
        self.services = services
        self.poll = services.settings.scheduler.standby_seconds if poll is None else poll
        self.lock = scheduler_lock(services.db) if lock is None else lock
        self.notify = notify or (lambda role: None)
        self.scheduler: BackgroundScheduler | None = None
        self.role: Role | None = None
        self._planned: list[str] = []  # the networks whose jobs the scheduler runs
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="relais-scheduler-leader", daemon=True)

    @property
    def leading(self) -> bool:
        return self.scheduler is not None

    def start(self) -> Leader:
        self.step()  # the first answer at once: a lone scheduler starts its jobs before this returns
        self._thread.start()
        return self

    def step(self) -> Role:
        """One look at the lock, and the scheduler started or stopped to match."""
        try:
            ours = self.lock.keep() if self.leading else self.lock.take()
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("scheduler.lock_unreachable", extra={"leading": self.leading})
            ours = self.leading  # an outage decides nothing: each keeps its role until the database answers
        if ours and self.scheduler is None:
            self.scheduler = start(self.services)
            self._planned = self._networks()
            self._become(Role.LEADING)
        elif ours and self.scheduler is not None and self._grew():
            # A network created in the admin: its jobs are planned as a restart would plan them. A job under way
            # finishes on the old threads (a send keeps its issue's lock: never twice).
            log.info("scheduler.networks_changed", extra={"networks": self._networks()})
            self.scheduler.shutdown(wait=False)
            self.scheduler = start(self.services)
            self._planned = self._networks()
        elif not ours and self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
            self._become(Role.STEPPED_DOWN)
        elif not ours and self.role is not Role.STEPPED_DOWN:
            self._become(Role.STANDBY)
        assert self.role is not None
        return self.role

    def _networks(self) -> list[str]:
        return [n.slug for n in self.services.settings.all_networks]

    def _grew(self) -> bool:
        """Whether the deployment has networks this scheduler has not planned (created in the admin, adopted here
        or by this process's web pages)."""
        try:
            adopt_created_networks(self.services)
        except Exception:  # the jobs planned go on: the next look tries again
            log.exception("scheduler.networks_unreadable")
        return self._networks() != self._planned

    def _become(self, role: Role) -> None:
        if role is self.role:
            return
        self.role = role
        log.info(f"scheduler.{role.value}")
        self.notify(role)

    def _loop(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self.step()
            except Exception:  # the loop must outlive any one failure, or the deployment loses its scheduler
                log.exception("scheduler.leader_failed")

    def shutdown(self, wait: bool = True) -> None:
        """Stop asking, stop the jobs (finishing the current one when ``wait``), let the lock go."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=wait)
            self.scheduler = None
        try:
            self.lock.release()
        except Exception as exc:
            if not is_outage(exc):
                raise  # an outage: the session is gone, and the lock with it


def lead(services: Services, notify: Callable[[Role], None] | None = None) -> Leader:
    """The scheduler of this process: running now if no other runs, standing by otherwise."""
    return Leader(services, notify=notify).start()


def run_forever(services: Services, notify: Callable[[Role], None] | None = None) -> None:
    leader = lead(services, notify)
    freeze_startup()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        # Waited in short turns: a signal the kernel hands to one of the scheduler's threads only flags the main
        # thread, which runs Python's handler once it wakes; a wait without a timeout could sleep through it.
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        leader.shutdown(wait=True)
