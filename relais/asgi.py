"""The ASGI entry point for multi-worker serving: ``uvicorn --factory relais.asgi:create``.

Workers are passive (pages only, like listmonk's passive mode): the scheduler and the sender run in exactly one
other process (``relais serve`` starts it in the supervising process, or ``relais scheduler run`` alone).
The config file comes from ``RELAIS_CONFIG``. Each worker serves the public pages before the editors' pages and
takes the GIL back quickly after a round trip (:mod:`relais.priority`).
"""

from __future__ import annotations

from starlette.types import ASGIApp

from relais.cli.context import State
from relais.priority import AdminGate, tune_worker
from relais.web import build_app


def create() -> ASGIApp:
    tune_worker()
    services = State(None).deployment()
    return AdminGate(build_app(services, with_scheduler=False))
