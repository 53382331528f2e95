"""The sections of an issue, in reading order, with their French headings.

Section slugs are stored in ``issue_items.section``; headings are what subscribers read.
"""

from __future__ import annotations

from typing import Final

FEATURED: Final = "featured"
FUNDING: Final = "funding"
CLOSING: Final = "closing"
EVENTS: Final = "events"
TRAININGS: Final = "trainings"
JOBS: Final = "jobs"
NEWS: Final = "news"
SELECTION: Final = "selection"  # a thematic emailing's items: one list, in the editor's order

HEADINGS: Final[dict[str, str]] = {
    FEATURED: "À la une",
    CLOSING: "Clôture prochaine",
    FUNDING: "Financements et appels à projets",
    EVENTS: "Agenda",
    TRAININGS: "Formations",
    JOBS: "Emplois et volontariat",
    NEWS: "Actualités des membres",
    SELECTION: "Sélection",
}

# Reading order: what is urgent comes right after what the editors put forward.
ORDER: Final[tuple[str, ...]] = (FEATURED, CLOSING, FUNDING, EVENTS, TRAININGS, JOBS, NEWS, SELECTION)


def heading(section: str) -> str:
    return HEADINGS.get(section, section)
