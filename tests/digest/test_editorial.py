"""The editorial in Markdown: links, paragraphs, bold and line breaks in the HTML, the same words in the text twin,
and nothing else getting through."""

from __future__ import annotations

from digest.editorial import render

SOURCE = """Chères et chers membres,
ce numéro fête **les 30 ans du réseau**.

Le programme est sur [notre site](https://resacoop.example/30-ans) ; inscriptions : https://resacoop.example/go"""


def test_paragraphs_bold_links_and_line_breaks_become_html() -> None:
    html = render(SOURCE).html
    assert html.count("<p>") == 2
    assert "Chères et chers membres,<br>" in html  # a single line break is kept
    assert "<strong>les 30 ans du réseau</strong>" in html
    assert '<a href="https://resacoop.example/30-ans">notre site</a>' in html
    assert '<a href="https://resacoop.example/go">https://resacoop.example/go</a>' in html  # a typed link


def test_the_text_twin_says_the_same_with_addresses_after_the_words() -> None:
    text = render(SOURCE).text
    assert text == (
        "Chères et chers membres,\n"
        "ce numéro fête *les 30 ans du réseau*.\n"
        "\n"
        "Le programme est sur notre site (https://resacoop.example/30-ans) ;\n"
        "inscriptions : https://resacoop.example/go"
    )


def test_lists_in_both_parts() -> None:
    e = render("Au programme :\n\n- une table ronde\n- un **concert**\n\n1. s'inscrire\n2. venir")
    assert "<ul>\n<li>une table ronde</li>" in e.html and "<ol>" in e.html
    assert "\n\n- une table ronde\n- un *concert*\n\n1. s'inscrire\n2. venir" in e.text


def test_html_scripts_and_dangerous_links_stay_harmless_text() -> None:
    e = render(
        "<script>alert(1)</script> <img src=x onerror=alert(1)> [clic](javascript:alert(1)) [x](data:text/html,1)"
    )
    assert "<script" not in e.html and "<img" not in e.html and "javascript:" not in e.html.split("[clic]")[0]
    assert 'href="javascript' not in e.html and 'href="data' not in e.html
    assert "&lt;script&gt;" in e.html  # shown as the editor typed it, never run


def test_the_preview_is_the_first_paragraph_in_plain_words() -> None:
    assert render(SOURCE).first_paragraph == "Chères et chers membres, ce numéro fête les 30 ans du réseau."
    assert render("").first_paragraph == "" and render("").html == "" and render("").text == ""


def test_headings_and_images_are_not_markdown_here() -> None:
    e = render("# Titre\n\n![photo](https://x.example/a.png)")
    assert "<h1>" not in e.html and "<img" not in e.html and "# Titre" in e.text
