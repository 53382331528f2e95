"""Golden files pin the HTML and text of a fixed issue, so any change to templates or rendering is seen in review.

To regenerate after an intended change, run:

    RELAIS_REGENERATE_GOLDEN=1 python -m pytest tests/digest/test_golden.py

then read the diff of ``tests/digest/golden/`` before committing it.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from core.model import IssueKind, ItemKind, ItemSource
from digest.render import Renderer
from tests.digest.digest_factory import item, network, newsletter

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("RELAIS_REGENERATE_GOLDEN") == "1"
WHEN = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
EDITORIAL = """Chères et chers membres,
ce numéro fête **les 30 ans du réseau**.

Le programme est sur [notre site](https://resacoop.example/30-ans) ; inscriptions : https://resacoop.example/inscription

Bonne lecture !"""


def _fixed_items() -> list:  # type: ignore[type-arg]
    return [
        item(1, ItemKind.NEWS, title="Le réseau fête ses 30 ans", featured=True,
             image_url="https://resacoop.example/images/30-ans.jpg", image_alt="Les membres du réseau réunis à Lyon"),
        item(2, ItemKind.FUNDING, title="Fonds pour l'innovation sociale", deadline=date(2027, 2, 28),
             sources=[ItemSource(source_id=2, source_item_id="2", source_name="Agence des financements (RSS)")]),
        item(3, ItemKind.CALL, title="Appel à projets ECSI 2027", deadline=date(2026, 11, 10)),
        item(4, ItemKind.EVENT, title="Festisol : soirée d'ouverture", place="Lyon", tags=["69"],
             starts_at=datetime(2026, 11, 14, 17, 30, tzinfo=UTC)),
        item(5, ItemKind.TRAINING, title="Se former au montage de projet", url=None),
        item(6, ItemKind.JOB, title="Chargé·e de mission jeunesse (CDD)", deadline=date(2026, 12, 1)),
        item(7, ItemKind.NEWS, title="Retour sur les Assises régionales 🌍", summary="Plus de 200 personnes."),
    ]  # fmt: skip


def _check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if REGENERATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"{path} is missing: run with RELAIS_REGENERATE_GOLDEN=1 to create it")
    assert actual == path.read_text(encoding="utf-8"), f"{name} changed: regenerate if intended (see docstring)"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(network(), territories={"69": "Rhône"})


def test_newsletter_golden(renderer: Renderer) -> None:
    items = _fixed_items()
    issue = newsletter(items, editorial=EDITORIAL)
    seg = renderer.render(issue, {i.id: i for i in items}, [e.item_id for e in issue.entries], key="k", when=WHEN)
    _check("newsletter.html", seg.html)
    _check("newsletter.txt", seg.text)


def test_emailing_golden(renderer: Renderer) -> None:
    items = _fixed_items()[1:3]
    issue = newsletter(items, editorial="Deux appels à ne pas manquer.")
    issue.kind, issue.template = IssueKind.EMAILING, "emailing"
    issue.title = issue.subject = "Éducation à la citoyenneté : la sélection de RESACOOP"
    seg = renderer.render(issue, {i.id: i for i in items}, [2, 3], key="k", when=WHEN)
    _check("emailing.html", seg.html)
    _check("emailing.txt", seg.text)
