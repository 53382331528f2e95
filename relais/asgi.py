"""The ASGI entry point for multi-worker serving: ``uvicorn --factory relais.asgi:create``.

Workers are passive (pages only, like listmonk's passive mode): the scheduler and the sender run in exactly one
other process (``relais serve`` starts it in the supervising process, or ``relais scheduler run`` alone).
The config file comes from ``RELAIS_CONFIG``.
"""

from __future__ import annotations

from starlette.applications import Starlette

from relais.cli.context import State
from relais.web import build_app


def create() -> Starlette:
    services = State(None).services()
    return build_app(services, with_scheduler=False)
