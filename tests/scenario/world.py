"""What the network's sources publish during March 2026, day by day, and what the editors decide about it.

Every expectation of the scenario is derived from this plan and from what the test itself does, never from the
queries that compute the key figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.model import ItemKind


@dataclass(frozen=True)
class Entry:
    key: str  # our own name for the entry (its guid / id / UID at the source)
    day: int  # day of March 2026 it appears (the source publishes it from that local day on)
    sources: tuple[str, ...]  # keys of SOURCES that publish it
    title: str
    url: str
    deadline: date | None = None
    starts: date | None = None
    decision: str = "approve"  # approve | reject | wait (nobody triages it before the end)
    tag: str = ""  # a theme the editor adds while triaging
    extended: date | None = None  # a later deadline the source publishes from ``extended_on``
    extended_on: int = 0


@dataclass(frozen=True)
class SourceDecl:
    key: str
    name: str
    path: str
    kind: str  # the watch's source kind
    item_kind: ItemKind
    every: str
    official: bool = False
    territory: str = ""
    options: dict[str, str] = field(default_factory=dict)


SOURCES = [
    SourceDecl("rss", "Agence des financements (RSS)", "/financements.rss", "feed", ItemKind.FUNDING, "6h", True),
    SourceDecl(
        "html",
        "Appels de la Fondation (page web)",
        "/appels.html",
        "html",
        ItemKind.CALL,
        "12h",
        options={"item": "article.appel", "title": "h2", "link": "h2 a", "summary": ".resume"},
    ),
    SourceDecl("ics69", "Agenda du Rhône (iCalendar)", "/agenda-69.ics", "ical", ItemKind.EVENT, "12h", territory="69"),
    SourceDecl(
        "ics38", "Agenda de l'Isère (iCalendar)", "/agenda-38.ics", "ical", ItemKind.EVENT, "1d", territory="38"
    ),
    SourceDecl(
        "json",
        "Offres d'emploi (API JSON)",
        "/emplois.json",
        "json",
        ItemKind.JOB,
        "6h",
        options={"items": "data", "id": "id", "title": "title", "url": "url", "deadline": "closing", "summary": "body"},
    ),
]

F = "https://financements.exemple.fr/appels/"
A = "https://fondation.exemple.org/appels/"
G = "https://agenda.exemple.org/evenements/"
J = "https://emplois.exemple.org/offres/"

ENTRIES = [
    # funding (RSS, official)
    Entry(
        "fin-1",
        2,
        ("rss",),
        "Initiatives locales de solidarité internationale 2026",
        F + "initiatives",
        deadline=date(2026, 5, 15),
        tag="eau",
    ),
    Entry(
        "fin-2",
        3,
        ("rss", "html"),
        "Coopération décentralisée et territoires",
        F + "cooperation",
        deadline=date(2026, 4, 20),
        extended=date(2026, 6, 30),
        extended_on=9,
    ),
    Entry(
        "fin-3",
        4,
        ("rss",),
        "Fonds pour l'accès aux services de base",
        F + "services",
        deadline=date(2026, 3, 25),
        tag="eau",
    ),  # in the emailing, closed before the newsletter
    Entry(
        "fin-4", 6, ("rss",), "Fonds de soutien aux micro-projets", F + "micro-projets", deadline=date(2026, 3, 20)
    ),  # approved, never published: closed before the newsletter
    Entry(
        "fin-5",
        10,
        ("rss",),
        "Dispositif régional doublon",
        F + "doublon",
        deadline=date(2026, 6, 1),
        decision="reject",
    ),
    Entry(
        "fin-6",
        19,
        ("rss",),
        "Appel à projets jeunesse et engagement",
        F + "jeunesse",
        deadline=date(2026, 6, 10),
        tag="eau",
    ),  # tagged after the emailing: newsletter only
    Entry(
        "fin-7",
        30,
        ("rss",),
        "Programme publié trop tard pour être trié",
        F + "tardif",
        deadline=date(2026, 7, 1),
        decision="wait",
    ),
    # calls (HTML page)
    Entry(
        "call-1",
        5,
        ("html",),
        "Appel « Territoires solidaires » 2026",
        A + "territoires-solidaires",
        deadline=date(2026, 5, 5),
    ),
    Entry(
        "call-2",
        12,
        ("html",),
        "Appel publicitaire hors sujet",
        A + "hors-sujet",
        deadline=date(2026, 5, 30),
        decision="reject",
    ),
    Entry("call-3", 17, ("html",), "Appel « Alimentation durable »", A + "alimentation", deadline=date(2026, 4, 30)),
    # events (two agendas, two départements)
    Entry(
        "ev-1",
        2,
        ("ics69",),
        "Rencontre régionale des acteurs de la coopération",
        G + "rencontre",
        starts=date(2026, 4, 14),
    ),
    Entry("ev-2", 9, ("ics69",), "Ciné-débat solidaire", G + "cine-debat", starts=date(2026, 4, 22)),
    Entry("ev-3", 11, ("ics38",), "Forum des associations de l'Isère", G + "forum-isere", starts=date(2026, 5, 6)),
    Entry("ev-4", 16, ("ics69",), "Soirée annulée", G + "soiree", starts=date(2026, 4, 9), decision="reject"),
    Entry("ev-5", 23, ("ics38",), "Atelier projets jeunes", G + "atelier", starts=date(2026, 4, 29)),
    # jobs (JSON API)
    Entry("job-1", 3, ("json",), "Chargé·e de mission partenariats", J + "101", deadline=date(2026, 4, 24)),
    Entry("job-2", 13, ("json",), "Coordinateur·rice de programme", J + "102", deadline=date(2026, 5, 2)),
    Entry("job-3", 18, ("json",), "Offre déjà pourvue", J + "103", deadline=date(2026, 4, 18), decision="reject"),
    Entry("job-4", 26, ("json",), "Responsable administratif·ve et financier·e", J + "104", deadline=date(2026, 5, 20)),
]

BY_KEY = {e.key: e for e in ENTRIES}
KIND_OF_SOURCE = {s.key: s.item_kind for s in SOURCES}


def kind_of(entry: Entry) -> ItemKind:
    """The first source to publish it creates the item, so its kind is that source's."""
    return KIND_OF_SOURCE[entry.sources[0]]
