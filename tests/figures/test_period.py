"""Periods: what people type becomes whole local days, or one clear refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.errors import InvalidInput
from figures.period import Period, PeriodKind, month, parse_period, year


def test_a_year_is_its_local_days_in_utc() -> None:
    p = parse_period(year_text="2026")
    assert (p.start, p.end, p.days, p.label) == (date(2026, 1, 1), date(2026, 12, 31), 365, "2026")
    # Paris is UTC+1 in winter: the year starts at 23:00 UTC the day before
    assert p.bounds() == (datetime(2025, 12, 31, 23, tzinfo=UTC), datetime(2026, 12, 31, 23, tzinfo=UTC))


def test_a_month_across_the_summer_time_change() -> None:
    p = parse_period(month_text="2026-03")
    assert p.label == "mars 2026" and p.days == 31
    assert p.bounds() == (datetime(2026, 2, 28, 23, tzinfo=UTC), datetime(2026, 3, 31, 22, tzinfo=UTC))


def test_a_range_includes_both_days_and_lists_its_months() -> None:
    p = parse_period(from_text="2026-01-15", to_text="2026-03-02")
    assert p.kind is PeriodKind.RANGE and p.days == 47
    assert p.months() == [(2026, 1), (2026, 2), (2026, 3)]
    assert p.month_bounds()[0][0] == p.bounds()[0] and p.month_bounds()[-1][1] == p.bounds()[1]
    assert p.label == "du 15/01/2026 au 02/03/2026"


def test_previous_periods_have_the_same_length() -> None:
    assert year(2024).previous() == year(2023)
    assert month(2026, 1).previous() == month(2025, 12)
    assert month(2026, 3).previous() == month(2026, 2)
    r = Period(PeriodKind.RANGE, date(2026, 1, 1), date(2026, 6, 30))
    prev = r.previous()
    assert prev.end == date(2025, 12, 31) and prev.days == r.days


def test_the_earliest_and_latest_years_have_a_previous_period() -> None:
    assert parse_period(year_text="1900").previous() == year(1899)
    assert parse_period(month_text="9998-12").bounds()[1].year == 9998


def test_no_period_means_the_current_year() -> None:
    assert parse_period(today=date(2026, 11, 2)) == year(2026)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"year_text": "26"}, "--year : « 26 » n'est pas une année"),
        ({"year_text": "0001"}, "--year : « 0001 » hors limites"),
        ({"month_text": "9999-12"}, "--month : « 9999-12 » hors limites"),
        ({"year_text": "deux mille"}, "n'est pas une année"),
        ({"month_text": "2026-13"}, "mois hors limites : 2026-13"),
        ({"month_text": "03/2026"}, "--month : « 03/2026 » n'est pas un mois"),
        ({"from_text": "2026-02-30", "to_text": "2026-03-01"}, "--from : le jour « 2026-02-30 » n'existe pas"),
        ({"from_text": "01/01/2026", "to_text": "2026-03-01"}, "--from : « 01/01/2026 » n'est pas une date"),
        ({"from_text": "2026-01-01"}, "--from et --to vont ensemble"),
        ({"from_text": "2026-03-01", "to_text": "2026-01-01"}, "--to (2026-01-01) est antérieur à --from (2026-03-01)"),
        ({"year_text": "2026", "month_text": "2026-01"}, "choisissez --year, --month ou --from/--to"),
        ({"year_text": "2026", "tz": "Mars/Olympus"}, "fuseau horaire inconnu : « Mars/Olympus »"),
        ({}, "choisissez une période"),
    ],
)
def test_malformed_input_is_refused_in_one_line(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_period(**kwargs)  # type: ignore[arg-type]
    assert message in str(err.value) and "\n" not in str(err.value)
