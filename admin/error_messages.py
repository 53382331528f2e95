"""An error as the page says it, in the network's language: by its code through the catalogue (core.messages),
an issue's status in words; an error without a template shows its own message (written French where raised)."""

from __future__ import annotations

from starlette.requests import Request

from admin.issue_errors import shown
from admin.web import ctx_of, translations
from core import messages


def said(request: Request, error: BaseException) -> str:
    gettext = translations(ctx_of(request).settings.network.locale).gettext
    return messages.describe(error, gettext, shown(gettext))
