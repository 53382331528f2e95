"""Rendering a segment once: Jinja2 → MJML → HTML (mjml-python) → inlined CSS (css-inline), and a plain-text
twin from its own template. Personal parts stay placeholders (:class:`core.message.Placeholder`) that delivery
substitutes per subscriber.

Templates are loaded and compiled once per :class:`Renderer`; each call only renders.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import css_inline
import jinja2
import mjml

from core.errors import InvalidInput
from core.message import Placeholder, RenderedSegment
from core.model import Issue, IssueKind, Item
from core.settings import NetworkSettings
from digest.clicks import ClickLinks
from digest.view import absolute, issue_view, section_views

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE_NAMES = ("newsletter", "emailing", "alert")

PLACEHOLDER_LINKS = {
    "view": str(Placeholder.VIEW_URL),
    "preferences": str(Placeholder.PREFERENCES_URL),
    "unsubscribe": str(Placeholder.UNSUBSCRIBE_URL),
    "email": str(Placeholder.EMAIL),
}


def _wrap(text: str, width: int = 72, indent: str = "", first: str = "") -> str:
    """Wrap for plain-text readers; long URLs are never broken."""
    return textwrap.fill(
        text, width=width, initial_indent=first, subsequent_indent=indent, break_long_words=False,
        break_on_hyphens=False,
    )  # fmt: skip


def _tidy(text: str) -> str:
    """Templates leave blank runs where optional parts were skipped: keep at most one blank line."""
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _environments(folder: Path) -> tuple[jinja2.Environment, jinja2.Environment]:
    loader = jinja2.FileSystemLoader(str(folder))
    html = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    # The text part is plain text, never parsed as HTML: escaping would print "&amp;" to readers.
    text = jinja2.Environment(
        loader=loader,
        autoescape=False,  # noqa: S701
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    text.filters["wrap"] = _wrap
    return html, text


class Renderer:
    """Renders issues for one network. Build it once; ``render()`` per segment."""

    def __init__(
        self,
        network: NetworkSettings,
        *,
        territories: Mapping[str, str] | None = None,
        templates: Path = TEMPLATES,
        clicks: ClickLinks | None = None,
    ) -> None:
        self.network = network
        self.clicks = clicks  # items' links counted (``[mail] count_clicks``); None: straight to their targets
        self.territories = dict(territories or {})
        self._html_env, self._text_env = _environments(templates)
        self._html = {n: self._html_env.get_template(f"{n}.mjml.j2") for n in TEMPLATE_NAMES}
        self._text = {n: self._text_env.get_template(f"{n}.txt.j2") for n in TEMPLATE_NAMES}
        self._inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)

    def _network(self) -> dict[str, Any]:
        n = self.network
        return {
            "name": n.name,
            "primary_color": n.primary_color,
            "accent_color": n.accent_color,
            "logo_url": absolute(n.logo_url),  # a missing or relative logo: the name is shown as text
            "home": absolute(n.base_url) or "",
            "postal_address": n.postal_address,
            "social": [{"name": s.name, "url": s.url} for s in n.social if absolute(s.url)],
        }

    def context(
        self, issue: Issue, items: Mapping[int, Item], item_ids: Sequence[int], when: datetime, *, counted: bool = True
    ) -> dict[str, Any]:
        clicks = self.clicks if counted and issue.id is not None else None
        link = partial(clicks.url, issue.id) if clicks is not None and issue.id is not None else None
        return {
            "network": self._network(),
            "issue": issue_view(issue, self.network, when),
            "sections": section_views(issue, items, item_ids, self.network, self.territories, link),
            "links": PLACEHOLDER_LINKS,
        }

    def template_of(self, issue: Issue) -> str:
        name = issue.template or str(issue.kind)
        if name not in self._html:
            raise InvalidInput(
                f"unknown template {name!r}; one of {', '.join(TEMPLATE_NAMES)}", code="unknown_template", name=name
            )
        return name

    def mjml_source(self, issue: Issue, items: Mapping[int, Item], item_ids: Sequence[int], when: datetime) -> str:
        return self._html[self.template_of(issue)].render(self.context(issue, items, item_ids, when))

    def html(self, source: str) -> str:
        try:
            raw = mjml.mjml2html(source, disable_comments=True, fonts={})
        except ValueError as exc:  # malformed MJML: a template bug, said plainly
            raise InvalidInput(
                f"the email template produced invalid MJML: {exc}", code="invalid_mjml", detail=str(exc)
            ) from None
        return str(self._inliner.inline(raw))

    def render(
        self,
        issue: Issue,
        items: Mapping[int, Item],
        item_ids: Sequence[int],
        *,
        key: str,
        when: datetime,
        counted: bool = True,
    ) -> RenderedSegment:
        """One segment's HTML and text (``counted``: items' links through the counter, when it is on). Refuses a
        segment with nothing to say."""
        if issue.id is None:
            raise InvalidInput("save the issue before rendering it", code="unsaved_issue")
        ids = tuple(i for i in item_ids if i in items)
        if not ids and not (issue.kind == IssueKind.EMAILING and issue.editorial.strip()):
            raise InvalidInput(f"issue {issue.id}: nothing to render (no items and no text)", code="nothing_to_render")
        ctx = self.context(issue, items, ids, when, counted=counted)
        name = self.template_of(issue)
        html = self.html(self._html[name].render(ctx))
        text = _tidy(self._text[name].render(ctx))
        return RenderedSegment(issue.id, key, ctx["issue"].subject, html, text, ids)
