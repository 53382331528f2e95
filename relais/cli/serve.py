"""``relais serve``: the web app (admin and public pages) and, unless disabled, the scheduler."""

from __future__ import annotations

import typer
import uvicorn

from relais.cli.context import console, services
from relais.web import build_app


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, "--host", help="Interface to listen on (default from config)."),
    port: int | None = typer.Option(None, "--port", help="Port (default from config)."),
    scheduler: bool | None = typer.Option(
        None, "--scheduler/--no-scheduler", help="Run the scheduler in this process (default from config)."
    ),
) -> None:
    """Serve the web app on http://HOST:PORT (health check at /healthz)."""
    svc = services(ctx)
    web = svc.settings.web
    run_scheduler = svc.settings.scheduler.enabled if scheduler is None else scheduler
    app = build_app(svc, with_scheduler=run_scheduler)
    h, p = host or web.host, port or web.port
    console.print(f"Relais on http://{h}:{p}/  (admin: http://{h}:{p}/admin/)")
    uvicorn.run(
        app,
        host=h,
        port=p,
        log_config=None,
        proxy_headers=web.behind_proxy,
        forwarded_allow_ips="*" if web.behind_proxy else None,
    )
