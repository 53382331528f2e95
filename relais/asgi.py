"""The ASGI entry point for multi-worker serving: ``uvicorn --factory relais.asgi:create``.

Workers are passive (pages only, like listmonk's passive mode): the scheduler and the sender run in exactly one
other process (``relais serve`` starts it in the supervising process, or ``relais scheduler run`` alone).
The config file comes from ``RELAIS_CONFIG``. Each worker answers a one-click unsubscribe at once and every other
page in turns, takes the GIL back quickly after a round trip and keeps what it built at startup out of the garbage
collector's walks (:mod:`relais.priority`).
"""

from __future__ import annotations

from starlette.types import ASGIApp

from relais.cli.context import State
from relais.heap import freeze_startup
from relais.priority import Lanes, tune_worker
from relais.web import build_app


def create() -> ASGIApp:
    tune_worker()
    services = State(None).deployment()
    app = Lanes(build_app(services, with_scheduler=False))
    freeze_startup()
    return app
