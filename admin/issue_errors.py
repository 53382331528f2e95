"""Domain errors for the staff's pages, by their code: the digest and delivery raise with a code and parameters
(their message stays English, for scripts and logs); :mod:`core.messages` holds the French of each code. Pure; an
error whose code has no template keeps its detail behind a French lead-in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from admin.labels import N_, label
from core import messages
from core.errors import InvalidInput
from core.model import IssueStatus


class FormError(InvalidInput):
    """Bad input the web layer found itself: its message is already French."""


def shown(gettext: Callable[[str], str] = str) -> Callable[[Any], str]:
    """How a parameter reads in a message: an issue's status in words (« envoyé »), anything else as it is."""
    return lambda value: label(value, "issue", gettext) if isinstance(value, IssueStatus) else str(value)


def known(error: BaseException, gettext: Callable[[str], str] = str) -> str | None:
    """The French (or ``gettext``'s locale) of an error by its code, or None when its code has no template."""
    return messages.known(error, gettext, shown(gettext))


def in_french(message: str | Exception, gettext: Callable[[str], str] = str) -> str:
    if isinstance(message, FormError):
        return str(message)
    if isinstance(message, Exception) and (said := known(message, gettext)):
        return said
    return f"{gettext(N_('Action refusée'))} : {message}"
