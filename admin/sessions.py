"""What an admin session cookie holds, and when it stops being valid (a pure decider; the middleware does the I/O).

The cookie is signed (Starlette's SessionMiddleware with the secret key) and holds the account id, the account's
session version at login (``sv``) and when the session was last used (``seen``, epoch seconds). On each request:

- the account is gone, disabled, or its version moved on (logout, a password change) → the session ends;
- it was last used more than ``[web] session_idle_minutes`` ago → the session ends;
- otherwise it is valid, and ``seen`` is refreshed at most once a minute (not a new cookie on every request).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from core.model import User

REFRESH_EVERY = timedelta(minutes=1)
KEYS = ("user_id", "sv", "seen")


class Verdict(StrEnum):
    VALID = "valid"
    REFRESH = "refresh"  # valid; write the new last-seen time
    ENDED = "ended"


def opened(user: User, now: datetime) -> dict[str, int]:
    """The session's values at login (or after its owner changed the password in it)."""
    assert user.id is not None
    return {"user_id": user.id, "sv": user.session_version, "seen": int(now.timestamp())}


def judge(session: Mapping[str, Any], user: User | None, *, now: datetime, idle: timedelta) -> Verdict:
    if user is None or not user.active or session.get("sv") != user.session_version:
        return Verdict.ENDED
    seen = session.get("seen")
    if not isinstance(seen, int):
        return Verdict.ENDED
    unused = now.timestamp() - seen
    if unused > idle.total_seconds():
        return Verdict.ENDED
    return Verdict.REFRESH if unused >= REFRESH_EVERY.total_seconds() else Verdict.VALID
