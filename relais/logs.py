"""Logging: readable lines for people, one JSON object per line in production.

Events have stable names (the message, e.g. ``watch.source.failed``) and carry their context as ``extra``
fields (``source``, ``issue``, ``subscriber``…), which the JSON format keeps as keys.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from core.settings import LogFormat, LoggingSettings

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)))
_STANDARD |= {"message", "asctime", "taskName", "color_message"}  # uvicorn's coloured copy of the message


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.name}: {record.getMessage()}"
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
        if extras:
            base += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        if record.exc_info:
            base += "\n" + self.formatException(record.exc_info)
        return base


class NoClickLines(logging.Filter):
    """Drops the access-log line of a counted link (``/r/…``): it would pair a reader's address with the item
    they read, which is exactly what counting clicks must not record (docs/privacy.md)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        path = args[2] if isinstance(args, tuple) and len(args) >= 3 else ""
        return not (isinstance(path, str) and path.startswith("/r/"))


def configure(settings: LoggingSettings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.format is LogFormat.JSON else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "apscheduler"):
        logger = logging.getLogger(name)  # through the root's handler, at the root's level, whoever set it before
        logger.handlers[:] = []
        logger.propagate, logger.disabled = True, False
        logger.setLevel(logging.NOTSET)
    logging.getLogger("apscheduler").setLevel(max(root.level, logging.WARNING))
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, NoClickLines) for f in access.filters):
        access.addFilter(NoClickLines())
    for noisy in (
        "httpx",
        "httpcore",
        "alembic",
        "flufl",
        "asyncio",
        "mail.log",
    ):  # their INFO lines say nothing an operator needs
        logging.getLogger(noisy).setLevel(max(root.level, logging.WARNING))
