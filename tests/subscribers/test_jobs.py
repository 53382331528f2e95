"""The scheduler purges unconfirmed sign-ups hourly through the same service as the CLI."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from core.clock import FrozenClock
from core.settings import load_settings
from relais import jobs
from relais.wiring import build_services, build_subscribers
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.service import SignupForm


def test_purge_job_is_planned_and_purges(tmp_path: Path, database_url: str, clock: FrozenClock) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[database]\nurl = "{database_url}"\n[web]\nsecret_key = "{"k" * 40}"\n', encoding="utf-8")
    services = build_services(load_settings(cfg, environ={}), clock=clock)
    try:
        assert any(spec.action == "subscribers.purge" for plan in jobs.PLANNERS for spec in plan(services))
        build_subscribers(services).service.signup(SignupForm(email="oublie@exemple.fr"))
        clock.advance(timedelta(hours=services.settings.subscribers.purge_unconfirmed_after_hours + 1))
        jobs.attach(services)
        jobs.run("subscribers.purge")
        db: Database = services.db
        with db.session() as s:
            assert SubscriberRepository(s).find() == []
        assert list((tmp_path / "var" / "outbox").glob("*.eml"))  # the confirmation went to the outbox
    finally:
        jobs.attach(None)  # type: ignore[arg-type]
        services.close()
