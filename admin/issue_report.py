"""An issue's report for the staff: ``/admin/issues/{id}/rapport`` and its CSV and JSON exports.

    issue (else 404) | figures.issue_reports.issue_report | table, charts (figures.svg), warnings | page

Nothing here names a reader: counts, rates and clicks per item only (docs/privacy.md).
"""

from __future__ import annotations

import json

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.auth import requires
from admin.web import ctx_of, render
from core.errors import NotFound
from core.model import Role
from figures.issue_report import IssueReport, clicks_chart, lines, outcome_chart, percent, to_csv

_RATES = {"complaint_rate", "bounce_rate", "unsubscribe_rate"}


async def _report(request: Request) -> IssueReport:
    ctx = ctx_of(request)
    try:
        return await run_in_threadpool(ctx.figures.issue_report, request.path_params["issue_id"])
    except NotFound:
        raise HTTPException(404, "Ce numéro n'existe pas.") from None


@requires(Role.STAFF)
async def page(request: Request) -> Response:
    r = await _report(request)
    figures = [(label, percent(v) if key in _RATES else v) for key, label, v in lines(r)]
    charts = {
        "outcome": Markup(outcome_chart(r)),  # noqa: S704 - escaped by figures.svg
        "clicks": Markup(clicks_chart(r)),  # noqa: S704
    }
    return render(
        request, "admin/issues/report.html",
        {"report": r, "figures": figures, "charts": charts},
    )  # fmt: skip


@requires(Role.STAFF)
async def export(request: Request) -> Response:
    fmt = request.path_params["fmt"]
    if fmt not in ("csv", "json"):
        raise HTTPException(404, "Format d'export inconnu : csv ou json.")
    r = await _report(request)
    headers = {"content-disposition": f'attachment; filename="rapport-{r.issue_id}.{fmt}"'}
    if fmt == "csv":
        return Response(to_csv(r).encode("utf-8"), media_type="text/csv; charset=utf-8", headers=headers)
    body = json.dumps(r.to_json(), ensure_ascii=False, indent=2) + "\n"
    return Response(body.encode("utf-8"), media_type="application/json", headers=headers)


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/issues/{issue_id:int}/rapport", page, methods=["GET"]),
        Route("/admin/issues/{issue_id:int}/rapport.{fmt:str}", export, methods=["GET"]),
    ]
