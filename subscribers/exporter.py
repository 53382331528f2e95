"""CSV and JSON export. The CSV uses the import's columns (``;`` inside a cell), so an export imports back; its
text cells are neutralised against spreadsheet formulas (:mod:`core.csvcells`), which the import undoes."""

from __future__ import annotations

import io
import json
from typing import Any

from core.csvcells import SafeWriter
from core.model import Subscriber, SubscriberStatus

CSV_COLUMNS = [
    "email", "name", "organisation_type", "kinds", "themes", "zones", "territories", "streams", "frequency",
    "alerts", "alert_day", "alert_kinds", "status", "created_at", "confirmed_at", "unsubscribed_at", "legal_basis",
]  # fmt: skip


def as_record(sub: Subscriber) -> dict[str, Any]:
    prefs = sub.preferences.to_json()
    return {
        "id": sub.id,
        "email": sub.email,
        "name": sub.name or "",
        "organisation_type": str(sub.organisation_type or ""),
        **prefs,
        "status": str(sub.status),
        "created_at": sub.created_at.isoformat() if sub.created_at else "",
        "confirmed_at": sub.confirmed_at.isoformat() if sub.confirmed_at else "",
        "unsubscribed_at": sub.unsubscribed_at.isoformat() if sub.unsubscribed_at else "",
        "legal_basis": sub.legal_basis or "",
    }


def to_csv(subs: list[Subscriber]) -> str:
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for sub in subs:
        record = as_record(sub)
        for family in ("kinds", "themes", "zones", "territories", "streams", "alert_kinds"):
            record[family] = ";".join(record[family])
        writer.writerow(str(record[column]) for column in CSV_COLUMNS)
    return out.getvalue()


def to_json(subs: list[Subscriber]) -> str:
    return json.dumps([as_record(s) for s in subs], ensure_ascii=False, indent=2)


def statuses(value: str | None) -> SubscriberStatus | None:
    from core.errors import InvalidInput

    if not value:
        return None
    try:
        return SubscriberStatus(value)
    except ValueError:
        raise InvalidInput(
            f"--status must be one of {', '.join(SubscriberStatus)}, not {value!r}",
            code="option_choice",
            option="--status",
            allowed=", ".join(SubscriberStatus),
            value=value,
        ) from None
