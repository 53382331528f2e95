"""A recurring event is told once, with its rhythm and its next dates, however its calendar gave it to us."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.model import Item, ItemKind
from digest.render import Renderer
from digest.series import group, rhythm, series_line
from tests.digest.digest_factory import item, network, newsletter

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("days", "said"),
    [
        ([date(2027, 1, 7), date(2027, 2, 4), date(2027, 3, 4)], "1er jeudi du mois"),
        ([date(2026, 12, 8), date(2026, 12, 15), date(2026, 12, 29)], "chaque mardi"),  # one left out: a holiday
        ([date(2026, 12, 2), date(2026, 12, 16), date(2026, 12, 30)], "un mercredi sur deux"),
        ([date(2026, 12, 17), date(2027, 1, 21), date(2027, 2, 18)], "3e jeudi du mois"),
        ([date(2026, 12, 25), date(2027, 1, 29), date(2027, 2, 26)], "dernier vendredi du mois"),
        ([date(2026, 12, 15), date(2027, 1, 15), date(2027, 2, 15)], "le 15 de chaque mois"),
        ([date(2026, 12, 1), date(2026, 12, 3), date(2027, 1, 19)], None),  # no simple rhythm: dates only
        ([date(2026, 12, 1)], None),
    ],
)
def test_the_rhythm_of_a_series_in_french(days: list[date], said: str | None) -> None:
    assert rhythm(days) == said


def _permanence(n: int, start: datetime, **kw: object) -> Item:
    return item(n, ItemKind.EVENT, title="Permanence d'accompagnement au montage de projets", place="Lyon",
                url="https://agenda.exemple.org/evenements/permanence", starts_at=start, tags=["69"], **kw)  # fmt: skip


def test_occurrences_are_grouped_by_what_readers_see_and_one_offs_stay_apart() -> None:
    first = datetime(2027, 1, 7, 17, 0, tzinfo=UTC)
    series = [_permanence(n, first + timedelta(weeks=4 * (n - 1))) for n in (3, 1, 2)]
    elsewhere = item(4, ItemKind.EVENT, title=series[0].title, place="Grenoble", starts_at=first)
    undated = item(5, ItemKind.NEWS, title="Permanence d'accompagnement au montage de projets")
    groups = group([*series, elsewhere, undated])
    assert [[i.id for i in g] for g in groups] == [[1, 2, 3], [4], [5]]  # soonest first, at the first one's place


def test_the_dates_line_says_the_rhythm_the_time_and_the_next_dates() -> None:
    monthly = [_permanence(n, datetime(2027, m, d, 18, 0, tzinfo=PARIS)) for n, (m, d) in enumerate(
        [(1, 7), (2, 4), (3, 4), (4, 1), (5, 6)], start=1)]  # fmt: skip
    line = series_line(monthly, PARIS, "fr_FR", {"69": "Rhône"})
    assert line == "1er jeudi du mois à 18h00, prochaines : 7 janv., 4 févr., 4 mars (et 2 autres) · Lyon (Rhône)"


def test_a_weekly_permanence_fills_one_agenda_entry_not_seven() -> None:
    first = datetime(2026, 11, 10, 13, 0, tzinfo=UTC)  # Tuesdays at 14:00 in Paris, 22 December left out
    weekly = [_permanence(n, first + timedelta(weeks=w)) for n, w in enumerate([0, 1, 2, 3, 4, 6, 7], start=1)]
    other = item(20, ItemKind.EVENT, title="Festisol : soirée d'ouverture", starts_at=first + timedelta(days=2))
    issue = newsletter([*weekly, other])
    assert len(issue.entries) == 8  # every occurrence is in the issue (and in the segments that want it)
    out = Renderer(network(), territories={"69": "Rhône"}).render(
        issue, {i.id or 0: i for i in [*weekly, other]}, [e.item_id for e in issue.entries], key="k",
        when=datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
    )  # fmt: skip
    for part in (out.html, out.text):
        assert part.count("accompagnement au montage") == 1
        assert "Chaque mardi à 14h00, prochaines : 10 nov., 17 nov., 24 nov. (et 4 autres)" in part
        assert "Festisol" in part
