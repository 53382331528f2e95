"""The scheduler: APScheduler 3 with its job store in the same database.

Jobs are planned from the services (``relais.jobs.PLANNERS``), coalesced when missed, never overlapping, and
jittered so a restart does not fire everything at once.
"""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from relais import jobs
from relais.wiring import Services, sync_sources

JOBSTORE_TABLE = "apscheduler_jobs"


def planned_jobs(services: Services) -> list[jobs.JobSpec]:
    out: list[jobs.JobSpec] = []
    for plan in jobs.PLANNERS:
        out.extend(plan(services))
    return out


def make_scheduler(services: Services) -> BackgroundScheduler:
    jobs.attach(services)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=services.db.engine, tablename=JOBSTORE_TABLE)},
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
            replace_existing=True,
            **({"next_run_time": datetime.now(UTC)} if spec.at_start else {}),
        )
    scheduler.resume()
    return scheduler


def run_forever(services: Services) -> None:
    scheduler = start(services)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=True)
