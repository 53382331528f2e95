"""Counted links in the rendered email: each item's link goes through /r/{issue}/{item}/{signature} when the
renderer counts clicks, straight to the item otherwise; the compatibility checks treat them as Relais's own links
(made from [network] base_url, like the personal links), and still refuse an item's own link to this machine."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.model import ItemKind
from digest.checks import check_html, check_text
from digest.clicks import ClickLinks
from digest.render import Renderer
from tests.digest.digest_factory import item, network, newsletter

WHEN = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
LOCAL = ClickLinks("secret-key", "http://127.0.0.1:8000")


def render(clicks: ClickLinks | None, url: str = "https://afd.example/appel") -> tuple[str, str, int]:
    items = [item(7, ItemKind.CALL, title="Appel ECSI", deadline=date(2027, 1, 15), url=url)]
    issue = newsletter(items)
    seg = Renderer(network(), clicks=clicks).render(issue, {7: items[0]}, [7], key="k", when=WHEN)
    return seg.html, seg.text, issue.id or 0


def test_items_links_are_counted_links_and_only_they() -> None:
    html, text, issue_id = render(LOCAL)
    counted = LOCAL.url(issue_id, 7)
    assert f'href="{counted}"' in html and counted in text
    assert "https://afd.example/appel" not in html and "https://afd.example/appel" not in text
    straight_html, straight_text, _ = render(None)
    assert LOCAL.prefix not in straight_html + straight_text and 'href="https://afd.example/appel"' in straight_html


def test_the_checks_accept_relais_own_counted_links_but_not_an_item_pointing_here() -> None:
    html, text, _ = render(LOCAL)
    assert check_html(html, own=LOCAL.prefix) == [] and check_text(text, own=LOCAL.prefix) == []
    assert {p.rule for p in check_html(html)} == {"localhost"}  # without `own`: the base URL is this machine
    html, text, _ = render(None, url="http://localhost:9000/appel")
    assert [p.rule for p in check_html(html, own=LOCAL.prefix)] == ["localhost"]


def test_a_signature_names_one_issue_and_one_item() -> None:
    sig = LOCAL.signature(1, 2)
    assert LOCAL.valid(1, 2, sig) and not LOCAL.valid(2, 1, sig) and not LOCAL.valid(1, 2, sig[:-1])
    assert not ClickLinks("another-key", "http://127.0.0.1:8000").valid(1, 2, sig)
