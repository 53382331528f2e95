"""Realistic French items and sources for the admin's tests, benchmarks and screenshots."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core.model import Item, ItemKind, ItemSource, Source, SourceKind, SuggestedTag
from core.settings import TaxonomySettings, Term
from storage.database import Database
from storage.items import ItemRepository
from storage.sources import SourceRepository

TAXONOMY = TaxonomySettings(
    themes=[
        Term("ecsi", "Éducation à la citoyenneté et à la solidarité internationale", ["ECSI", "Festisol"]),
        Term("sante", "Santé", ["santé"]),
        Term("eau", "Eau et assainissement", ["eau potable"]),
        Term("agriculture", "Agriculture et alimentation", ["agroécologie"]),
        Term("jeunesse", "Jeunesse et volontariat", ["jeunes", "VSI"]),
    ],
    zones=[
        Term("afrique", "Afrique subsaharienne", ["Sénégal", "Burkina Faso"]),
        Term("europe", "Europe", ["Erasmus+"]),
    ],
    territories=[Term("69", "Rhône", ["Lyon"]), Term("38", "Isère", ["Grenoble"]), Term("63", "Puy-de-Dôme", [])],
    audiences=[Term("associations", "Associations", ["associations"])],
)

ITEMS: list[tuple[ItemKind, str, str, int | None, list[str], list[tuple[str, str]], str | None]] = [
    (ItemKind.FUNDING, "Fonds régional pour la solidarité internationale 2027",
     "La Région soutient les projets de coopération portés par les associations d'Auvergne-Rhône-Alpes.",
     40, ["associations"], [("afrique", "mot-clé « Sénégal » dans le résumé")], "69"),
    (ItemKind.CALL, "Appel à projets ECSI : Festisol 2027",
     "Le Festival des solidarités lance son appel aux collectifs locaux pour l'édition de novembre.",
     9, [], [("ecsi", "mot-clé « Festisol » dans le titre")], "38"),
    (ItemKind.EVENT, "Rencontre régionale « Eau potable et assainissement au Sahel »",
     "Une journée d'échanges à Lyon entre collectivités, associations et partenaires burkinabè.",
     None, ["eau"], [("afrique", "mot-clé « Burkina Faso » dans le résumé")], "69"),
    (ItemKind.TRAINING, "Formation : monter un projet de volontariat VSI",
     "Deux jours pour comprendre le cadre du volontariat de solidarité internationale.",
     20, [], [("jeunesse", "mot-clé « VSI » dans le titre")], None),
    (ItemKind.JOB, "Chargé·e de mission agroécologie (CDD 12 mois, Grenoble)",
     "Une ONG grenobloise recrute pour accompagner des groupements paysans au Sénégal.",
     3, [], [("agriculture", "mot-clé « agroécologie » dans le titre")], "38"),
    (ItemKind.NEWS, "Retour sur la semaine de la santé mondiale à Clermont-Ferrand",
     "Les associations du Puy-de-Dôme ont présenté leurs actions de santé communautaire.",
     None, ["sante"], [], "63"),
]  # fmt: skip


def seed(db: Database, now: datetime) -> list[int]:
    """Two sources and six items collected over the last hours; returns the item ids, oldest first."""
    today = now.date()
    with db.session() as s:
        srcs = SourceRepository(s)
        known = {src.name: src for src in srcs.find()}
        rss = known.get("Agence des financements (RSS)") or srcs.save(
            Source("Agence des financements (RSS)", "https://example.org/financements.rss", SourceKind.FEED,
                   ItemKind.FUNDING, official=True)
        )  # fmt: skip
        agenda = known.get("Agenda de la solidarité") or srcs.save(
            Source("Agenda de la solidarité", "https://example.org/agenda.ics", SourceKind.ICAL, ItemKind.EVENT)
        )
        repo = ItemRepository(s)
        first = repo.count()  # seeding twice gives new sightings
        ids = []
        for n, (kind, title, summary, days, tags, suggested, territory) in enumerate(ITEMS):
            src = rss if n % 2 == 0 else agenda
            assert src.id is not None
            item = repo.add(
                Item(
                    kind=kind,
                    title=title,
                    summary=summary,
                    url=f"https://example.org/items/{n}",
                    collected_at=now - timedelta(hours=len(ITEMS) - n),
                    published_at=now - timedelta(days=1),
                    deadline=today + timedelta(days=days) if days is not None else None,
                    starts_at=now + timedelta(days=12) if kind is ItemKind.EVENT else None,
                    tags=[*tags, *([territory] if territory else [])],  # a département is a tag
                    suggested_tags=[SuggestedTag(t, r) for t, r in suggested],
                    sources=[
                        ItemSource(
                            src.id,
                            f"guid-{first + n}",
                            url=f"https://example.org/items/{n}",
                            first_seen_at=now,
                            last_seen_at=now,
                            official=src.official,
                        )
                    ],
                )
            )
            assert item.id is not None
            ids.append(item.id)
    return ids


def past(today: date, days: int = 3) -> str:
    return (today - timedelta(days=days)).strftime("%d/%m/%Y")
