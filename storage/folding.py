"""Search that ignores case and accents, the same on both engines: the text searched is stored folded beside what
it folds (:func:`core.text.fold`), and a pattern folded alike is compared with plain ``LIKE``.

Items keep their title and summary folded in ``items.search_text``, subscribers their name in
``subscribers.search_name`` (migration 0008), written with them by the repositories and, for a row inserted without
them, by the columns' defaults. Folding at query time instead (a SQL function on SQLite, ``translate`` on
PostgreSQL, or ``unaccent``, which needs a superuser to install) cost too much: on SQLite a triage search matching
nothing in 100,000 items took 6 s instead of 65 ms, a subscriber search in 100,000 subscribers 0.4 s instead of 0.1.
"""

from __future__ import annotations

from typing import Any

from core.text import fold


def search_text(title: str | None, summary: str | None) -> str:
    """What an item's text search reads (``items.search_text``): its title and summary, folded."""
    return fold(f"{title or ''}\n{summary or ''}")


def search_text_default(context: Any) -> str:
    """``items.search_text`` for a row inserted without it (a Core insert of title and summary)."""
    values = context.get_current_parameters()
    return search_text(values.get("title"), values.get("summary"))


def search_name(name: str | None) -> str:
    """What the staff's subscriber search reads (``subscribers.search_name``): the name, folded."""
    return fold(name or "")


def search_name_default(context: Any) -> str:
    """``subscribers.search_name`` for a row inserted without it."""
    return search_name(context.get_current_parameters().get("name"))
