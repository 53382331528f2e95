"""Pure helpers of the triage pages: reading filters from a query string, "closes in N days", back links."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from urllib.parse import urlencode

from core.model import ItemKind, ItemStatus
from curation.desk import TriageQuery

FILTER_KEYS = ("status", "kind", "source", "tag", "territory", "deadline", "q", "page")
DEADLINE_WINDOWS = {"7": 7, "14": 14, "30": 30, "90": 90}
PER_PAGE = 50


def N_(message: str) -> str:
    """Marks a string for the catalogue; templates translate it where it is shown."""
    return message


KIND_LABELS = {
    ItemKind.FUNDING: N_("Financement"),
    ItemKind.CALL: N_("Appel à projets"),
    ItemKind.EVENT: N_("Événement"),
    ItemKind.TRAINING: N_("Formation"),
    ItemKind.JOB: N_("Emploi"),
    ItemKind.NEWS: N_("Actualité"),
}
STATUS_LABELS = {
    ItemStatus.NEW: N_("À trier"),
    ItemStatus.APPROVED: N_("Approuvé"),
    ItemStatus.REJECTED: N_("Écarté"),
    ItemStatus.ARCHIVED: N_("Archivé"),
}


# Strings repeated on every row, translated once per page rather than 50 times.
ROW_LABELS = {
    "approve": N_("Approuver"),
    "reject": N_("Écarter"),
    "restore": N_("Remettre à trier"),
    "edit": N_("Modifier"),
    "accept": N_("Accepter"),
    "refuse": N_("Refuser"),
    "select": N_("Sélectionner"),
    "published": N_("Publié"),
    "collected": N_("Collecté"),
    "on": N_("Le"),
    "closed": N_("clôturé"),
    "today": N_("clôture aujourd'hui"),
    "featured": N_("à la une"),
    "suggested": N_("suggérée :"),
    "on_approval": N_("Suggestions : acceptées à l'approbation, sauf celles que vous refusez (touche d)."),
    "read_in": N_("lu dans :"),
}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def parse_filters(params: Mapping[str, str], today: date) -> TriageQuery:
    """A query from the page's filters; values that mean nothing are ignored (a filter form never fails)."""
    status_raw = params.get("status", "new")
    status = ItemStatus(status_raw) if status_raw in set(ItemStatus) else None
    kind_raw = params.get("kind", "")
    kind = ItemKind(kind_raw) if kind_raw in set(ItemKind) else None
    days = DEADLINE_WINDOWS.get(params.get("deadline", ""))
    return TriageQuery(
        status=status,
        kind=kind,
        source_id=_int(params.get("source")),
        tag=params.get("tag") or None,
        territory=params.get("territory") or None,
        deadline_from=today if days else None,
        deadline_to=today + timedelta(days=days) if days else None,
        text=(params.get("q") or "").strip()[:200] or None,
        page=max(1, _int(params.get("page")) or 1),
        per_page=PER_PAGE,
    )


def filters_qs(params: Mapping[str, str], **override: str | int) -> str:
    """The query string of the current filters (to go back to, or for another page)."""
    kept = {k: params[k] for k in FILTER_KEYS if params.get(k)}
    kept.update({k: str(v) for k, v in override.items()})
    return urlencode({k: v for k, v in kept.items() if v})


def safe_back(target: str | None) -> str:
    """Where to send the browser after an action: the triage list with its filters, never another site."""
    target = target or ""
    if target.startswith("/admin/items") and "//" not in target and "\\" not in target:
        return target
    return "/admin/items"


def days_left(deadline: date | None, today: date) -> int | None:
    return None if deadline is None else (deadline - today).days
