"""What a fetch brought back, in a module of its own: detail pages travel to the parse workers as these, and a
worker unpickling one imports this module, not the fetcher's (httpx and its connection pool)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Fetched:
    """What a fetch brought back: a body (status 200) or nothing new (status 304)."""

    url: str
    status: int
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    max_age: int | None = None  # seconds the server says the answer stays fresh
