"""The admin app for the triage benchmark, built from $RELAIS_BENCH_DB_URL (uvicorn --factory, several workers)."""

from __future__ import annotations

import os

from starlette.applications import Starlette

from admin.app import create_app
from core.clock import SystemClock
from core.settings import Settings
from relais.web import build_web_context
from storage.database import Database
from tests.seed import TAXONOMY


def app() -> Starlette:
    settings = Settings()
    settings.taxonomy = TAXONOMY
    db = Database(os.environ["RELAIS_BENCH_DB_URL"])
    return create_app(build_web_context(settings, db, SystemClock(), secret_key="bench"))
