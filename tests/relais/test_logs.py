"""JSON logs carry the event name and its context as keys."""

from __future__ import annotations

import json
import logging

import pytest

from core.settings import LogFormat, LoggingSettings, LogLevel
from relais.logs import configure


def test_json_lines_with_context(capsys: pytest.CaptureFixture[str]) -> None:
    configure(LoggingSettings(level=LogLevel.INFO, format=LogFormat.JSON))
    logging.getLogger("relais.watch").info("watch.source.failed", extra={"source": "AFD", "status": 503})
    logging.getLogger("relais.watch").debug("not shown")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert rec["event"] == "watch.source.failed" and rec["source"] == "AFD" and rec["status"] == 503
    assert rec["level"] == "info" and rec["logger"] == "relais.watch"
    logging.getLogger().handlers[:] = []
