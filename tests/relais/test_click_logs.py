"""The access log keeps no line for a counted link: uvicorn's line would pair the reader's address with the item
they read (docs/privacy.md). Other requests are logged as before."""

from __future__ import annotations

import logging

import pytest

from core.settings import LogFormat, LoggingSettings, LogLevel
from relais.logs import configure


def access(path: str) -> None:
    # uvicorn's access logger: '%s - "%s %s HTTP/%s" %d' with (client address, method, path, version, status)
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "203.0.113.9:5123", "GET", path, "1.1", 302)


def test_counted_links_leave_no_access_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure(LoggingSettings(level=LogLevel.INFO, format=LogFormat.TEXT))
    configure(LoggingSettings(level=LogLevel.INFO, format=LogFormat.TEXT))  # twice (serve after up): one filter
    try:
        access("/r/12/345/AbCdEf0123456789abcdEF")
        access("/archives/12")
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and "/archives/12" in lines[0] and "203.0.113.9" in lines[0]
        assert len(logging.getLogger("uvicorn.access").filters) == 1
    finally:
        logging.getLogger().handlers[:] = []
