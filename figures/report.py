"""The "Chiffres clés" page as an HTML fragment, laid out like an annual report's "En bref" page.

Pure: figures in, HTML out (Jinja2, autoescaped). Big numbers with their +/− against the previous period,
SVG bars (kinds, zones, themes, départements) and the month-by-month line of sends; a print stylesheet makes
it one A4 page from the browser. The admin mounts it and passes the download links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from figures.compute import headline_value
from figures.labels import HEADLINE, KIND_LABELS, UNSUBSCRIBE_LABELS
from figures.model import KeyFigures, Share
from figures.svg import Bar, hbars, line

_ENV = Environment(
    loader=PackageLoader("figures", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
MONTHS_SHORT = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


@dataclass(frozen=True, slots=True)
class BigNumber:
    value: str
    label: str
    change: str  # "+3", "−2", "=" or "" without a previous period
    trend: str  # up | down | same | none


def number(n: float, locale: str = "fr_FR") -> str:
    return format_decimal(n, locale=locale)


def signed(delta: int, locale: str = "fr_FR") -> str:
    if delta == 0:
        return "="
    return ("+" if delta > 0 else "−") + number(abs(delta), locale)


def big_numbers(current: KeyFigures, previous: KeyFigures | None) -> list[BigNumber]:
    out = []
    for path, label in HEADLINE:
        value = headline_value(current, path)
        if previous is None:
            out.append(BigNumber(number(value), label, "", "none"))
            continue
        delta = value - headline_value(previous, path)
        trend = "up" if delta > 0 else "down" if delta < 0 else "same"
        out.append(BigNumber(number(value), label, signed(delta), trend))
    return out


def _share_bars(shares: list[Share]) -> list[Bar]:
    return [Bar(s.label, s.count, f"{number(s.count)} ({format_percent(s.share, locale='fr_FR')})") for s in shares]


def charts(f: KeyFigures) -> dict[str, Markup]:
    """Every chart of the page, as trusted SVG markup (its text is escaped by :mod:`figures.svg`)."""
    kinds = [Bar(KIND_LABELS.get(k, k), n, number(n)) for k, n in f.items.published.items()]
    months = [(MONTHS_SHORT[int(m.month[5:]) - 1], m.newsletters + m.emailings) for m in f.sends.by_month]
    messages = [(MONTHS_SHORT[int(m.month[5:]) - 1], m.messages_accepted) for m in f.sends.by_month]
    return {
        "kinds": Markup(hbars("cc-kinds", "Contenus publiés par type", kinds)),  # noqa: S704 - escaped by svg
        "zones": Markup(hbars("cc-zones", "Contenus publiés par zone géographique", _share_bars(f.items.zones))),  # noqa: S704
        "themes": Markup(hbars("cc-themes", "Contenus publiés par thème", _share_bars(f.items.themes))),  # noqa: S704
        "territories": Markup(  # noqa: S704
            hbars("cc-dep", "Événements publiés par département", _share_bars(f.items.events_by_territory))
        ),
        "sends": Markup(line("cc-sends", "Lettres et emailings envoyés par mois", months)),  # noqa: S704
        "messages": Markup(line("cc-msgs", "Messages remis par mois", messages, color="#1d5c8c")),  # noqa: S704
        "most_read": Markup(  # noqa: S704
            hbars(
                "cc-reads",
                "Contenus les plus lus (clics)",
                [Bar(r.title, r.clicks, number(r.clicks)) for r in f.clicks.most_read],
            )
        ),
        "clicks_themes": Markup(hbars("cc-reads-themes", "Clics par thème", _share_bars(f.clicks.themes))),  # noqa: S704
    }


def render_report(
    current: KeyFigures,
    previous: KeyFigures | None = None,
    *,
    network: str = "",
    csv_url: str | None = None,
    json_url: str | None = None,
    inline_styles: bool = True,
) -> str:
    """The HTML fragment (a ``<section>`` with its own scoped ``<style>``), ready to place in a page.

    ``inline_styles=False`` leaves the ``<style>`` out, for pages whose CSP forbids inline styles: they link
    :func:`stylesheet` as a file instead.
    """
    return _ENV.get_template("report.html").render(
        f=current,
        previous=previous,
        network=network,
        big=big_numbers(current, previous),
        charts=charts(current),
        unsubscribe_labels=UNSUBSCRIBE_LABELS,
        n=number,
        start=date.fromisoformat(current.period.start).strftime("%d/%m/%Y"),
        end=date.fromisoformat(current.period.end).strftime("%d/%m/%Y"),
        csv_url=csv_url,
        json_url=json_url,
        inline_styles=inline_styles,
    )


def stylesheet() -> str:
    """The report's CSS (screen and A4 print), the same that :func:`render_report` inlines."""
    assert _ENV.loader is not None
    source, _, _ = _ENV.loader.get_source(_ENV, "report.css")
    return source
