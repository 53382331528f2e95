"""The admin's source form: the date order a source writes its numeric dates in."""

from __future__ import annotations

from core.model import SourceKind
from curation.sources import clean_options


def test_the_date_order_is_offered_to_kinds_that_read_dates_from_text_and_checked() -> None:
    errors: dict[str, str] = {}
    assert clean_options(SourceKind.FEED, {"feed_date_order": "mdy"}, errors) == {"date_order": "MDY"}
    assert clean_options(SourceKind.HTML, {"html_item": "article", "html_date_order": "YMD"}, errors) == {
        "item": "article",
        "date_order": "YMD",
    }
    assert clean_options(SourceKind.JSON, {"json_date_order": ""}, errors) == {}  # empty: the default, DMY
    assert errors == {}
    assert clean_options(SourceKind.JSON, {"json_date_order": "JJ/MM/AAAA"}, errors) == {}
    assert errors == {"json_date_order": "ordre des dates inconnu « JJ/MM/AAAA » (attendu : DMY, MDY, YMD)"}
