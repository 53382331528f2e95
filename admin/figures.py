"""The "Chiffres clés" page: :func:`figures.report.render_report` for a chosen period, and its downloads.

    query string | period_of (pure; malformed → 400 page) | with_previous | render_report | page

The period is one of ``year=2026``, ``month=2026-03`` or ``from=2026-01-01&to=2026-06-30`` (none: the current
year); ``compare=0`` hides the previous period. The report's CSS is linked as a file, not inlined, because the
admin's Content-Security-Policy forbids inline styles; its print rules make it one A4 page.
"""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from admin.auth import current_user, requires
from admin.web import ctx_of, nav, render, root_of
from core.errors import InvalidInput
from core.model import Role
from figures.desk import FiguresDesk
from figures.export import to_csv, to_json
from figures.model import KeyFigures
from figures.period import Period, parse_period
from figures.report import render_report, stylesheet

nav("/admin/figures", "Chiffres clés", Role.STAFF)

# The CLI's flags, as the form names them, for error messages in French.
_FIELD_NAMES = {"--year": "année", "--month": "mois", "--from": "du", "--to": "au", "--from/--to": "du/au"}


def period_of(params: QueryParams | dict[str, str], *, tz: str, today: date) -> tuple[Period, bool]:
    """The period asked and whether to compare with the previous one; :class:`InvalidInput` in French. Pure."""
    values = {k: (str(params.get(k) or "").strip() or None) for k in ("year", "month", "from", "to")}
    compare = str(params.get("compare") or "1") != "0"
    try:
        period = parse_period(
            year_text=values["year"], month_text=values["month"], from_text=values["from"], to_text=values["to"],
            tz=tz, today=today,
        )  # fmt: skip
    except InvalidInput as exc:
        message = str(exc)
        for flag, name in sorted(_FIELD_NAMES.items(), key=lambda kv: -len(kv[0])):
            message = message.replace(flag, f"« {name} »")
        raise InvalidInput(f"Période invalide : {message}") from None
    return period, compare


def _period(request: Request) -> tuple[Period, bool]:
    ctx = ctx_of(request)
    tz = ctx.settings.network.timezone
    today = ctx.clock.now().astimezone(ZoneInfo(tz)).date()
    try:
        return period_of(request.query_params, tz=tz, today=today)
    except InvalidInput as exc:
        raise HTTPException(400, str(exc)) from None


def _desk(request: Request) -> tuple[FiguresDesk, bool]:
    """The network's figures, or with ``vue=nationale`` every network's added up: for super-admins only."""
    ctx = ctx_of(request)
    if request.query_params.get("vue") != "nationale":
        return ctx.figures, False
    user = current_user(request)
    if ctx.national_figures is None:
        raise HTTPException(404, "Un seul réseau : ses chiffres sont déjà les chiffres de tous.")
    if user is None or not user.superadmin:
        raise HTTPException(403, "La vue nationale est réservée aux super-administrateurs.")
    return ctx.national_figures, True


def _figures(desk: FiguresDesk, period: Period, compare: bool) -> tuple[KeyFigures, KeyFigures | None]:
    return desk.key_figures(period, compare=compare)


def _query(period: Period, compare: bool, national: bool = False) -> str:
    if period.kind == "year":
        params = {"year": str(period.start.year)}
    elif period.kind == "month":
        params = {"month": f"{period.start:%Y-%m}"}
    else:
        params = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if not compare:
        params["compare"] = "0"
    if national:
        params["vue"] = "nationale"
    return urlencode(params)


@requires(Role.STAFF)
async def page(request: Request) -> Response:
    period, compare = _period(request)
    ctx = ctx_of(request)
    desk, national = _desk(request)
    current, previous = await run_in_threadpool(_figures, desk, period, compare)
    query = _query(period, compare, national)
    user = current_user(request)
    whose = "Tous les réseaux" if national else ctx.settings.network.name
    report = render_report(
        current, previous, network=whose, csv_url=f"{root_of(request)}/admin/figures/export.csv?{query}",
        json_url=f"{root_of(request)}/admin/figures/export.json?{query}", inline_styles=False,
    )  # fmt: skip
    form = {k: request.query_params.get(k, "") for k in ("year", "month", "from", "to")}
    if not any(form.values()):
        form["year"] = str(period.start.year)
    return render(
        request, "admin/figures.html",
        {"report": report, "period": period, "compare": compare, "form": form, "national": national,
         "can_see_nation": ctx.national_figures is not None and user is not None and user.superadmin},
    )  # fmt: skip


@requires(Role.STAFF)
async def export(request: Request) -> Response:
    fmt = request.path_params["fmt"]
    if fmt not in ("csv", "json"):
        raise HTTPException(404, "Format d'export inconnu : csv ou json.")
    period, compare = _period(request)
    desk, _national = _desk(request)
    current, previous = await run_in_threadpool(_figures, desk, period, compare)
    stem = f"chiffres-cles-{_query(period, True).split('=', 1)[1].replace('&to=', '_')}"
    headers = {"content-disposition": f'attachment; filename="{stem}.{fmt}"'}
    if fmt == "csv":
        return Response(to_csv(current, previous).encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers=headers)  # fmt: skip
    body = json.dumps(to_json(current, previous), ensure_ascii=False, indent=2) + "\n"
    return Response(body.encode("utf-8"), media_type="application/json", headers=headers)


async def report_css(request: Request) -> Response:
    """The report's stylesheet, public like the other static files (it holds no data)."""
    return Response(stylesheet(), media_type="text/css; charset=utf-8", headers={"cache-control": "max-age=3600"})


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/figures", page, methods=["GET"]),
        Route("/admin/figures/report.css", report_css, methods=["GET"]),
        Route("/admin/figures/export.{fmt:str}", export, methods=["GET"]),
    ]
