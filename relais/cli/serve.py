"""``relais serve``: the web app (admin and public pages) and, unless disabled, the scheduler.

With ``--workers N`` (N > 1) the pages are served by N passive worker processes and the scheduler runs once, in
the supervising process, so scheduled collections and sends never run twice.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import typer
import uvicorn

from admin.metrics import unprotected_warning
from core.settings import LogFormat, WebSettings
from relais.cli.context import State, console, services
from relais.heap import freeze_startup
from relais.priority import Lanes, tune_worker
from relais.web import build_app
from relais.wiring import config_path

log = logging.getLogger("relais.serve")


def uvicorn_proxy_options(web: WebSettings) -> dict[str, Any]:
    """uvicorn believes X-Forwarded-For/-Proto only from our proxies (``[web] proxy_addresses``), never from
    anyone; without ``behind_proxy``, not at all."""
    if not web.behind_proxy:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(web.proxy_addresses)}


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, "--host", help="Interface d'écoute (par défaut : la configuration)."),
    port: int | None = typer.Option(None, "--port", help="Port (par défaut : la configuration)."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Processus web (par défaut : la configuration)."),
    scheduler: bool | None = typer.Option(
        None,
        "--scheduler/--no-scheduler",
        help="Lancer le planificateur dans ce processus (par défaut : la configuration).",
    ),
) -> None:
    """Servir l'application web sur http://HÔTE:PORT (état de santé sur /healthz, mesures sur /metrics)."""
    svc = services(ctx)
    web = svc.settings.web
    run_scheduler = svc.settings.scheduler.enabled if scheduler is None else scheduler
    h, p, n = host or web.host, port or web.port, workers or web.workers
    if svc.settings.logging.format is LogFormat.JSON:  # the journal gets JSON lines only
        log.info("web.serving", extra={"url": f"http://{h}:{p}/", "workers": n, "scheduler": run_scheduler})
    else:
        console.print(f"Relais sur http://{h}:{p}/  (administration : http://{h}:{p}/admin/)")
    warning = unprotected_warning(svc.settings)
    if warning:
        log.warning("web.metrics_disabled", extra={"reason": warning})
    proxy = uvicorn_proxy_options(web)
    if n == 1:
        tune_worker()  # as each worker below
        app = Lanes(build_app(svc, with_scheduler=run_scheduler))  # the one-click first, as each worker below
        freeze_startup()
        uvicorn.run(app, host=h, port=p, log_config=None, **proxy)
        return
    state: State = ctx.find_root().obj
    os.environ["RELAIS_CONFIG"] = str(config_path(state.config).resolve())
    sched = None
    if run_scheduler:
        from relais.scheduler import lead

        sched = lead(svc)
        freeze_startup()  # the scheduler's collections and sends run in this process
    try:
        uvicorn.run("relais.asgi:create", factory=True, host=h, port=p, workers=n, log_config=None, **proxy)
    finally:
        if sched is not None:
            sched.shutdown(wait=True)
