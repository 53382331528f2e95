"""Pure helpers of the triage page: filters from a query string, back links that stay in the admin."""

from __future__ import annotations

from datetime import date, timedelta

from admin.triage import days_left, filters_qs, parse_filters, safe_back
from core.model import ItemKind, ItemStatus

TODAY = date(2026, 11, 2)


def test_filters_are_read_and_nonsense_is_ignored() -> None:
    q = parse_filters({"status": "all", "kind": "call", "source": "3", "deadline": "30", "q": "  eau  ", "page": "2"},
                      TODAY)  # fmt: skip
    assert q.status is None and q.kind is ItemKind.CALL and q.source_id == 3 and q.text == "eau" and q.page == 2
    assert (q.deadline_from, q.deadline_to) == (TODAY, TODAY + timedelta(days=30))
    odd = parse_filters({"kind": "blog", "source": "x", "deadline": "365", "page": "-4"}, TODAY)
    assert odd.status is ItemStatus.NEW and odd.kind is None and odd.source_id is None
    assert odd.deadline_to is None and odd.page == 1


def test_the_query_string_keeps_filters_and_drops_empty_ones() -> None:
    assert filters_qs({"kind": "call", "q": "", "csrf_token": "x"}, page=2) == "kind=call&page=2"


def test_back_links_stay_in_the_triage_pages() -> None:
    assert safe_back("/admin/items?kind=call") == "/admin/items?kind=call"
    for bad in ("https://evil.example/", "//evil.example", "/admin/items/..//evil", "/admin/users", None):
        assert safe_back(bad) == "/admin/items"


def test_days_left() -> None:
    assert days_left(TODAY + timedelta(days=3), TODAY) == 3 and days_left(None, TODAY) is None
