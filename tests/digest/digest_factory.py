"""Items, issues and subscribers for digest scenarios, with sensible defaults."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from core.model import (
    Issue,
    IssueKind,
    Item,
    ItemKind,
    ItemSource,
    ItemStatus,
    Preferences,
    Subscriber,
    SubscriberStatus,
)
from core.settings import NetworkSettings, Social, TaxonomySettings, Term
from digest.assemble import newsletter_entries

TODAY = date(2026, 11, 2)
APPROVED = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


def item(n: int, kind: ItemKind = ItemKind.NEWS, **kw: Any) -> Item:
    defaults: dict[str, Any] = {
        "title": f"Item {n}",
        "summary": f"Résumé de l'item {n}. Une deuxième phrase qui ne s'affiche pas.",
        "url": f"https://exemple.org/items/{n}",
        "status": ItemStatus.APPROVED,
        "approved_at": APPROVED,
        "sources": [ItemSource(source_id=1, source_item_id=str(n), source_name="Agence des micro-projets")],
        "id": n,
    }
    defaults.update(kw)
    return Item(kind=kind, **defaults)


def newsletter(items: list[Item], *, number: int = 42, editorial: str = "", issue_id: int = 1) -> Issue:
    return Issue(
        kind=IssueKind.NEWSLETTER,
        title=f"RESA'CLIC n°{number}",
        subject=f"RESA'CLIC n°{number} – novembre 2026",
        number=number,
        editorial=editorial,
        entries=newsletter_entries(items, TODAY),
        created_at=datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
        id=issue_id,
    )


def subscriber(n: int, status: SubscriberStatus = SubscriberStatus.CONFIRMED, **prefs: Any) -> Subscriber:
    return Subscriber(email=f"abonne{n}@exemple.fr", status=status, preferences=Preferences(**prefs), id=n)


def network() -> NetworkSettings:
    return NetworkSettings(
        name="RESACOOP",
        newsletter_name="RESA'CLIC",
        base_url="https://relais.resacoop.example",
        postal_address="RESACOOP, 10 rue de l'Exemple, 69002 Lyon",
        social=[Social("LinkedIn", "https://www.linkedin.com/company/resacoop")],
    )


def taxonomy() -> TaxonomySettings:
    return TaxonomySettings(
        themes=[Term("ecsi", "Éducation à la citoyenneté"), Term("sante", "Santé"), Term("eau", "Eau")],
        zones=[Term("maghreb", "Maghreb"), Term("asie", "Asie")],
        territories=[Term("69", "Rhône"), Term("38", "Isère"), Term("63", "Puy-de-Dôme")],
    )
