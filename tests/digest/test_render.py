"""Rendering a segment once: the RESA'CLIC layout, placeholders for personal parts, and odd input handled."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.errors import InvalidInput
from core.message import Placeholder
from core.model import IssueKind, ItemKind
from digest.checks import GMAIL_CLIP_BYTES, check_html, check_text
from digest.render import Renderer
from tests.digest.digest_factory import item, network, newsletter

WHEN = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(network(), territories={"69": "Rhône"})


def _render(renderer: Renderer, items: list, **kw):  # type: ignore[no-untyped-def, type-arg]
    issue = newsletter(items, **kw)
    by_id = {i.id: i for i in items}
    return renderer.render(issue, by_id, [e.item_id for e in issue.entries], key="k", when=WHEN)


def test_the_layout_has_header_editorial_sections_items_and_footer(renderer: Renderer) -> None:
    items = [
        item(1, ItemKind.CALL, title="Appel à projets ECSI", deadline=date(2027, 1, 15)),
        item(2, ItemKind.EVENT, title="Festisol à Lyon", starts_at=datetime(2026, 12, 3, 17, tzinfo=UTC),
             place="Villeurbanne", tags=["69"]),
    ]  # fmt: skip
    seg = _render(renderer, items, editorial="Bonne lecture à toutes et à tous.")
    for part in (seg.html, seg.text):
        assert "RESA'CLIC n°42" in part or "RESA&#39;CLIC n°42" in part
        assert "2 novembre 2026" in part
        assert "Bonne lecture" in part
        assert "Financements et appels à projets".upper() in part.upper()
        assert "Date limite : 15 janvier 2027" in part
        assert "Jeudi 3 décembre 2026 à 18h00 · Villeurbanne (Rhône)" in part
        assert "Source : Agence des micro-projets" in part
        assert "https://exemple.org/items/1" in part
        assert "10 rue de l" in part
        for ph in Placeholder:
            assert str(ph) in part, ph
    assert "Résumé de l'item 1." in seg.text and "deuxième phrase" not in seg.text
    assert seg.item_ids == (1, 2)


def test_styles_are_inlined_and_the_html_passes_the_compatibility_checks(renderer: Renderer) -> None:
    seg = _render(renderer, [item(1, ItemKind.CALL)])
    assert 'style="' in seg.html and "display:flex" not in seg.html.replace(" ", "")
    assert "fonts.googleapis" not in seg.html  # no third-party font import
    assert check_html(seg.html) == [] and check_text(seg.text) == []


def test_a_typical_sixty_item_issue_stays_under_gmail_clipping(renderer: Renderer) -> None:
    kinds = list(ItemKind)
    items = [
        item(n, kinds[n % len(kinds)], title=f"Un titre d'une longueur habituelle pour l'item numéro {n}",
             summary="Une phrase de résumé d'une longueur raisonnable pour une lettre d'information. " * 2,
             deadline=date(2027, 1, 1) + timedelta(days=n))
        for n in range(1, 61)
    ]  # fmt: skip
    seg = _render(renderer, items)
    assert len(seg.item_ids) == 60
    assert len(seg.html.encode()) < GMAIL_CLIP_BYTES


def test_emoji_and_right_to_left_text_render_with_a_direction_hint(renderer: Renderer) -> None:
    seg = _render(renderer, [item(1, title="Solidarité 🌍 مرحبا بكم", summary="שלום 👋 à tous.")])
    assert "Solidarité 🌍 مرحبا بكم" in seg.html and "Solidarité 🌍 مرحبا بكم" in seg.text
    assert 'dir="auto"' in seg.html


def test_a_five_thousand_character_title_is_shortened_not_sent_whole(renderer: Renderer) -> None:
    seg = _render(renderer, [item(1, title="Très long " * 500)])
    assert "Très long " * 30 not in seg.html
    assert "…" in seg.text and max(len(line) for line in seg.text.splitlines()) < 400


def test_markup_in_content_is_escaped(renderer: Renderer) -> None:
    seg = _render(renderer, [item(1, title="<script>alert(1)</script> & co")])
    assert "<script>alert" not in seg.html and "&lt;script&gt;" in seg.html
    assert "<script>alert(1)</script> & co" in seg.text  # plain text stays plain


def test_a_missing_or_relative_logo_shows_the_name_and_no_broken_image() -> None:
    net = network()
    net.logo_url = "/static/logo.png"
    seg = _render(Renderer(net), [item(1)])
    assert "<img" not in seg.html and "RESA'CLIC" in seg.text


def test_a_logo_has_alt_text_so_the_email_reads_with_images_off() -> None:
    net = network()
    net.logo_url = "https://resacoop.example/logo.png"
    seg = _render(Renderer(net), [item(1)])
    assert 'alt="RESACOOP"' in seg.html and check_html(seg.html) == []


def test_relative_item_links_are_dropped_rather_than_sent_broken(renderer: Renderer) -> None:
    seg = _render(renderer, [item(1, url="/appel.html")])
    assert "/appel.html" not in seg.html and check_html(seg.html) == []


def test_an_issue_with_no_items_is_refused(renderer: Renderer) -> None:
    with pytest.raises(InvalidInput, match="nothing to render"):
        _render(renderer, [])


def test_a_text_only_emailing_renders_its_text(renderer: Renderer) -> None:
    issue = newsletter([], editorial="Assemblée générale le 5 décembre.\n\nVenez nombreux.")
    issue.kind, issue.template, issue.title = IssueKind.EMAILING, "emailing", "Invitation à l'AG"
    seg = renderer.render(issue, {}, [], key="k", when=WHEN)
    assert "Assemblée générale le 5 décembre." in seg.text and "Venez nombreux." in seg.html
    assert "Invitation" in seg.html


def test_an_unknown_template_is_a_clear_error(renderer: Renderer) -> None:
    issue = newsletter([item(1)])
    issue.template = "fancy"
    with pytest.raises(InvalidInput, match="unknown template 'fancy'"):
        renderer.render(issue, {1: item(1)}, [1], key="k", when=WHEN)


def test_a_table_of_contents_links_to_each_section_in_both_parts(renderer: Renderer) -> None:
    items = [item(1, ItemKind.CALL, deadline=date(2027, 1, 15)), item(2, ItemKind.JOB), item(3, ItemKind.NEWS)]
    seg = _render(renderer, items)
    for anchor in ("rubrique-funding", "rubrique-jobs", "rubrique-news"):
        assert f'href="#{anchor}"' in seg.html and f'id="{anchor}"' in seg.html and f'name="{anchor}"' in seg.html
    assert (
        "AU SOMMAIRE\n-----------\n- Financements et appels à projets (1)\n- Emplois et volontariat (1)\n" in seg.text
    )
    assert check_html(seg.html) == []  # the anchors are links to the email itself, not relative links


def test_one_section_needs_no_table_of_contents(renderer: Renderer) -> None:
    seg = _render(renderer, [item(1, ItemKind.CALL), item(2, ItemKind.FUNDING)])
    assert "Au sommaire" not in seg.html and "AU SOMMAIRE" not in seg.text


def test_an_anchor_to_nothing_is_a_problem() -> None:
    assert [p.rule for p in check_html('<a href="#ailleurs">x</a><a id="ici"></a><a href="#ici">y</a>')] == ["link"]


def test_readers_see_a_source_by_its_name_never_its_format(renderer: Renderer) -> None:
    from core.model import ItemSource

    src = [ItemSource(source_id=1, source_item_id="1", source_name="Agence des financements (RSS)")]
    seg = _render(renderer, [item(1, ItemKind.CALL, sources=src)])
    for part in (seg.html, seg.text):
        assert "Source : Agence des financements" in part and "(RSS)" not in part


def test_the_emailing_footer_is_french(renderer: Renderer) -> None:
    issue = newsletter([item(1)], editorial="Deux appels.")
    issue.kind, issue.template = IssueKind.EMAILING, "emailing"
    seg = renderer.render(issue, {1: item(1)}, [1], key="k", when=WHEN)
    for part in (seg.html, seg.text):
        assert "abonné·e aux emailings thématiques de RESACOOP" in part and "à ses" not in part
    assert "abonné·e à la lettre RESA" in _render(renderer, [item(1)]).text


def test_the_editorial_is_markdown_with_links_in_the_html_and_the_text(renderer: Renderer) -> None:
    seg = _render(renderer, [item(1)], editorial="Voir **le programme** :\nhttps://resacoop.example/programme")
    assert "<strong>le programme</strong>" in seg.html
    assert '<a href="https://resacoop.example/programme"' in seg.html
    assert "Voir *le programme* :\nhttps://resacoop.example/programme\n" in seg.text


def test_a_featured_item_shows_its_image_with_its_alt_text_and_others_never(renderer: Renderer) -> None:
    image = {"image_url": "https://resacoop.example/une.jpg", "image_alt": "Les membres réunis à Lyon"}
    seg = _render(renderer, [item(1, featured=True, **image), item(2, ItemKind.CALL, **image)])
    assert seg.html.count("<img") == 1 and 'alt="Les membres réunis à Lyon"' in seg.html
    assert 'width="552"' in seg.html and "max-width: 552px" in seg.html  # Outlook's width, the others' fluid one
    assert seg.text.count("[Image : Les membres réunis à Lyon]") == 1
    assert check_html(seg.html) == []


def test_an_image_without_alt_text_or_not_on_the_web_is_not_shown(renderer: Renderer) -> None:
    for image in ({"image_url": "https://resacoop.example/une.jpg", "image_alt": " "},
                  {"image_url": "javascript:alert(1)", "image_alt": "x"},
                  {"image_url": "data:image/png;base64,AAAA", "image_alt": "x"}):  # fmt: skip
        seg = _render(renderer, [item(1, featured=True, **image)])
        assert "<img" not in seg.html and "[Image" not in seg.text


def test_french_spacing_never_starts_a_line_with_a_colon_or_a_closing_guillemet(renderer: Renderer) -> None:
    seg = _render(renderer, [item(1, title="Appel « Égalité femmes-hommes » : dépôt ouvert !")])
    nbsp = "\u00a0"
    assert f"Appel «{nbsp}Égalité femmes-hommes{nbsp}»{nbsp}: dépôt ouvert{nbsp}!" in seg.text
    assert seg.html.replace("&nbsp;", nbsp).count(f"femmes-hommes{nbsp}»{nbsp}:") == 1
