"""``/metrics`` in Prometheus' text format: collections, errors, queue depth, send rate — read from the database
at each scrape. Protected by ``[web] metrics_token`` (a bearer token); meant for the internal network.

Without a token, ``/metrics`` exists only for the demo (``[demo] enabled = true``); otherwise it answers 404, and
start-up and ``relais config check`` say to set the token (:func:`unprotected_warning`)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.web import WebContext, ctx_of
from core.model import DeliveryStatus
from core.settings import Settings
from figures.desk import Snapshot

QUEUED = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.DEFERRED)


class _Collector:
    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap

    def collect(self) -> Iterator[Metric]:
        s = self.snap
        yield _by("relais_items", "Items by status.", "status", s.items)
        yield GaugeMetricFamily("relais_sources_enabled", "Sources followed.", value=s.sources)
        yield GaugeMetricFamily("relais_sources_failing", "Sources whose last run failed.", value=s.sources_failing)
        yield _by("relais_collection_runs", "Collection runs by outcome.", "outcome", s.collection_runs)
        yield GaugeMetricFamily("relais_collection_errors", "Collection runs that failed.", value=s.collection_errors)
        yield _by("relais_deliveries", "Delivery ledger rows by status.", "status", s.deliveries)
        depth = sum(s.deliveries.get(str(st), 0) for st in QUEUED)
        yield GaugeMetricFamily("relais_send_queue_depth", "Messages queued, in flight or deferred.", value=depth)
        yield GaugeMetricFamily(
            "relais_send_rate_per_second", "Messages accepted over the last minute, per second.",
            value=s.accepted_last_minute / 60,
        )  # fmt: skip
        yield _by("relais_issues", "Issues by status.", "status", s.issues)
        yield _by("relais_subscribers", "Subscribers by status.", "status", s.subscribers)


def _by(name: str, doc: str, label: str, values: dict[str, int]) -> GaugeMetricFamily:
    g = GaugeMetricFamily(name, doc, labels=[label])
    for key, value in sorted(values.items()):
        g.add_metric([key], value)
    return g


def render(ctx: WebContext) -> bytes:
    snap = ctx.figures.snapshot(ctx.clock.now())
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(snap))
    return bytes(generate_latest(registry))


UNPROTECTED = (
    "/metrics is disabled: [demo] enabled is false and [web] metrics_token is empty. Set [web] metrics_token "
    "(or RELAIS_METRICS_TOKEN) to a long random string and give it to Prometheus as a bearer token."
)


def unprotected_warning(settings: Settings) -> str | None:
    """Why ``/metrics`` answers 404 with these settings, for the operator; None when it is served."""
    if settings.web.metrics_token or settings.demo.enabled:
        return None
    return UNPROTECTED


async def metrics(request: Request) -> Response:
    ctx = ctx_of(request)
    token = ctx.settings.web.metrics_token
    if not token and not ctx.settings.demo.enabled:
        return Response("not found\n", status_code=404, media_type="text/plain")
    if token:
        sent = request.headers.get("authorization", "")
        if not secrets.compare_digest(sent, f"Bearer {token}"):
            return Response("unauthorised\n", status_code=401, media_type="text/plain")
    body = await run_in_threadpool(render, ctx)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def routes() -> list[BaseRoute]:
    return [Route("/metrics", metrics)]
