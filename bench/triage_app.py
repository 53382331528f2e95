"""The admin app for the triage benchmark, built from $RELAIS_BENCH_DB_URL (uvicorn --factory, several workers), and
served as each production worker serves it (``relais.asgi.create``: the lanes, the GIL's switch interval, startup
objects frozen out of the garbage collector)."""

from __future__ import annotations

import os

from starlette.types import ASGIApp

from admin.app import create_app
from core.clock import SystemClock
from core.settings import Settings
from relais.heap import freeze_startup
from relais.priority import Lanes, tune_worker
from relais.web import build_web_context
from storage.database import Database
from tests.seed import TAXONOMY


def app() -> ASGIApp:
    tune_worker()
    settings = Settings()
    settings.taxonomy = TAXONOMY
    db = Database(os.environ["RELAIS_BENCH_DB_URL"])
    served = Lanes(create_app(build_web_context(settings, db, SystemClock(), secret_key="bench")))
    freeze_startup()
    return served
