"""The scheduler plans one jittered collection job per enabled source, and the action collects that source."""

from __future__ import annotations

from pathlib import Path

from apscheduler.triggers.interval import IntervalTrigger

from core.settings import load_settings
from relais import jobs
from relais.scheduler import planned_jobs
from relais.wiring import build_services, sync_sources

ROOT = Path(__file__).parents[2]


def test_one_job_per_enabled_source_with_jitter(database_url: str) -> None:
    settings = load_settings(ROOT / "config.toml")
    settings.database.url = database_url
    settings.sources[1].enabled = False
    services = build_services(settings)
    try:
        sync_sources(services)
        watch_jobs = [j for j in planned_jobs(services) if j.action == "watch.collect"]
    finally:
        services.close()
    assert len(watch_jobs) == len(settings.sources) - 1
    first_name = sorted(s.name for s in settings.sources if s.enabled)[0]  # the database lists them by name
    first = watch_jobs[0]
    assert first.id == f"watch.collect:{first_name}" and first.kwargs == {"source": first_name}
    assert isinstance(first.trigger, IntervalTrigger)
    assert first.trigger.jitter == settings.scheduler.jitter_seconds
    assert "watch.collect" in jobs.ACTIONS
