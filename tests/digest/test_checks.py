"""The compatibility checker that delivery's pre-send checks reuse."""

from __future__ import annotations

from core.message import Placeholder
from digest.checks import check_html, check_text


def _rules(html: str) -> list[str]:
    return [p.rule for p in check_html(html)]


def test_a_clean_email_passes() -> None:
    html = (
        '<table><tr><td><a href="https://exemple.org/a">a</a> <img src="https://exemple.org/l.png" alt="Logo">'
        f'<a href="{Placeholder.UNSUBSCRIBE_URL}">désabonnement</a> <a href="mailto:info@exemple.org">m</a>'
        "</td></tr></table>"
    )
    assert check_html(html) == []


def test_each_rule_is_reported() -> None:
    assert _rules('<img src="https://exemple.org/x.png">') == ["alt"]
    assert _rules('<img src="https://exemple.org/x.png" alt="  ">') == ["alt"]
    assert _rules('<a href="/relative">x</a>') == ["link"]
    assert _rules('<a href="javascript:alert(1)">x</a>') == ["link"]
    assert _rules('<a href="http://127.0.0.1:8000/archives/1">x</a>') == ["localhost"]
    assert _rules('<a href="http://localhost/x">x</a>') == ["localhost"]
    assert _rules('<div style="display: flex">x</div>') == ["layout"]
    assert _rules('<div style="display:grid">x</div>') == ["layout"]
    assert _rules("<p>" + "x" * (102 * 1024) + "</p>") == ["size"]


def test_local_links_can_be_allowed_for_previews() -> None:
    assert check_html('<a href="http://127.0.0.1:8000/x">x</a>', allow_local=True) == []


def test_text_links_are_checked_too() -> None:
    assert [p.rule for p in check_text("Lire : http://localhost:8000/a\nhttps://exemple.org/b")] == ["localhost"]
