"""The two guards every piece of outside text goes through: control characters and links."""

from __future__ import annotations

import random
import unicodedata

import pytest

from core.text import fold, safe_url, strip_controls

CONTROLS = [chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]]
OTHERS = ["\ud800", "\udfff", "\ufffe", "\uffff", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]


def test_every_c0_and_c1_control_but_tab_and_newline_goes() -> None:
    dirty = "A" + "".join(CONTROLS) + "\tB\nC" + "".join(OTHERS) + "D"
    assert strip_controls(dirty) == "A\n\tB\nCD"  # the CR among the C0 controls became a newline


def test_line_ends_become_newlines_and_ordinary_text_is_untouched() -> None:
    assert strip_controls("un\r\ndeux\rtrois") == "un\ndeux\ntrois"
    french = "Date limite : 15\u202fmars — « jusqu’au » 😀 عربي"
    assert strip_controls(french) == french


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "  javascript:alert(1)",
        "\x01javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "java&#x09;script:alert(1)",
        "&#106;avascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "DATA:text/html,x",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "mailto:a@b.example",  # not where an email link is not expected
        "//evil.example/x",
        "/admin/users",  # relative paths only where asked for
        "http:/x",
        "https://",
        "https:javascript:alert(1)",
        "",
        None,
    ],
)
def test_anything_but_a_web_link_is_refused(url: str | None) -> None:
    assert safe_url(url) is None


def test_web_links_pass_and_are_returned_cleaned() -> None:
    assert safe_url(" https://exemple.org/appel?id=1 ") == "https://exemple.org/appel?id=1"
    assert safe_url("HTTP://exemple.org/") == "HTTP://exemple.org/"
    assert safe_url("https://exemple.org/a\tb\x00") == "https://exemple.org/ab"
    assert safe_url("mailto:contact@exemple.org", mailto=True) == "mailto:contact@exemple.org"
    assert safe_url("/static/logo.png", relative=True) == "/static/logo.png"
    assert safe_url("//evil.example/", relative=True) is None
    assert safe_url("/\\evil.example/", relative=True) is None
    assert safe_url("javascript:x", mailto=True, relative=True) is None


def _fold_whole(text: str) -> str:
    """fold as defined: NFKD over the whole casefolded text (ligatures split), combining marks dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_fold_character_by_character_is_fold_of_the_whole_text() -> None:
    rng = random.Random(3)
    alphabet = [chr(c) for c in range(0x20, 0x3000) if not 0xD800 <= c < 0xE000] + ["e\u0301", "n°", "ﬁ", "ß", "Œ"]
    assert all(fold(ch) == _fold_whole(ch) for ch in alphabet)
    for _ in range(5_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert fold(text) == _fold_whole(text), repr(text)
    assert fold("Éducation n° 3 « Cœur »") == "education n° 3 « coeur »"
