"""Event pages read with ``starts_at`` / ``ends_at`` / ``place`` selectors: an agenda page written for the project
after the patterns of real ones (a date and a time in one element, a range in one element, separate start and
end, a ``<time datetime>``, a date without its year, a day with no event date)."""

from __future__ import annotations

from datetime import UTC, datetime

from watch.entry import Entry
from watch.parse import parse_body

from .helpers import source

REF = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
PAGE = "https://agenda.exemple.org/evenements/"
AGENDA = """<html><body>
<div class="event"><h3><a href="/e/1">Ciné-débat ALIMENTERRE</a></h3>
  <span class="quand">Jeudi 18 novembre 2027 à 18h30</span><span class="ou">Cinéma Le Méliès, Saint-Étienne</span></div>
<div class="event"><h3><a href="/e/2">Festival des solidarités</a></h3>
  <span class="quand">du 13 au 29 novembre 2027</span><span class="ou">Toute la région</span></div>
<div class="event"><h3><a href="/e/3">Formation ECSI</a></h3>
  <span class="quand">Mardi 9 mars 2027, 9h</span><span class="fin">17h</span><span class="ou">Lyon</span></div>
<div class="event"><h3><a href="/e/4">Assemblée générale</a></h3>
  <time class="quand" datetime="2027-06-12T14:00">12 juin</time><span class="ou"> Maison des associations </span></div>
<div class="event"><h3><a href="/e/5">Marché solidaire</a></h3>
  <span class="quand">Samedi 4 décembre, de 10h à 18h</span></div>
<div class="event"><h3><a href="/e/6">Rencontre à programmer</a></h3><span class="quand">Date à venir</span></div>
</body></html>"""
OPTIONS = {"item": "div.event", "title": "h3", "link": "h3 a", "starts_at": ".quand", "ends_at": ".fin", "place": ".ou"}


def parse(**extra: str) -> dict[str, Entry]:
    src = source("html", "event", url=PAGE, options=OPTIONS | extra)
    return {e.item.title: e for e in parse_body(src, AGENDA.encode(), PAGE, "text/html", reference=REF)}


def test_a_date_and_a_time_in_one_element_and_the_place() -> None:
    item = parse()["Ciné-débat ALIMENTERRE"].item
    assert item.starts_at == datetime(2027, 11, 18, 17, 30, tzinfo=UTC)  # 18:30 Paris time
    assert item.ends_at is None
    assert item.place == "Cinéma Le Méliès, Saint-Étienne"
    assert item.field_origins["starts_at"] == "html:.quand" and item.field_origins["place"] == "html:.ou"


def test_a_range_in_one_element_gives_the_start_and_the_end() -> None:
    item = parse()["Festival des solidarités"].item
    assert item.starts_at == datetime(2027, 11, 12, 23, 0, tzinfo=UTC)  # all day, from midnight in Paris
    assert item.ends_at == datetime(2027, 11, 28, 23, 0, tzinfo=UTC)


def test_an_end_element_with_a_time_alone_ends_the_same_day() -> None:
    item = parse()["Formation ECSI"].item
    assert (item.starts_at, item.ends_at) == (
        datetime(2027, 3, 9, 8, 0, tzinfo=UTC),
        datetime(2027, 3, 9, 16, 0, tzinfo=UTC),
    )


def test_a_datetime_attribute_wins_and_a_year_comes_from_the_reference() -> None:
    entries = parse()
    assert entries["Assemblée générale"].item.starts_at == datetime(2027, 6, 12, 12, 0, tzinfo=UTC)
    assert entries["Assemblée générale"].item.place == "Maison des associations"
    market = entries["Marché solidaire"].item
    assert (market.starts_at, market.ends_at) == (
        datetime(2027, 12, 4, 9, 0, tzinfo=UTC),
        datetime(2027, 12, 4, 17, 0, tzinfo=UTC),
    )


def test_no_readable_date_gives_no_date_and_a_source_zone_can_be_set() -> None:
    assert parse()["Rencontre à programmer"].item.starts_at is None
    item = parse(timezone="America/Cayenne")["Ciné-débat ALIMENTERRE"].item
    assert item.starts_at == datetime(2027, 11, 18, 21, 30, tzinfo=UTC)
