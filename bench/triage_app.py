"""The admin app for the triage benchmark, built from $RELAIS_BENCH_DB_URL (uvicorn --factory, several workers)."""

from __future__ import annotations

import os

from starlette.applications import Starlette

from admin.app import create_app
from admin.web import WebContext
from core.clock import SystemClock
from core.settings import Settings
from storage.database import Database
from tests.seed import TAXONOMY


def app() -> Starlette:
    settings = Settings()
    settings.taxonomy = TAXONOMY
    db = Database(os.environ["RELAIS_BENCH_DB_URL"])
    return create_app(WebContext(settings=settings, db=db, clock=SystemClock(), secret_key="bench"))
