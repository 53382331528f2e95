"""Item HTML is made safe once, on the way in; URLs are reduced to what identifies a page."""

from __future__ import annotations

from watch.clean import canonical_url, plain_text, sanitise


def test_scripts_event_handlers_and_javascript_links_are_removed() -> None:
    dirty = (
        '<p onclick="steal()" style="color:red">Appel <b>ouvert</b><script>alert(1)</script></p>'
        '<a href="javascript:alert(2)">piège</a><img src="x.png" onerror="boom()">'
        "<!-- <script>caché</script> --><iframe src='https://evil.example'></iframe>"
    )
    clean = sanitise(dirty, "https://fondation.example/appels/")
    assert "script" not in clean and "onclick" not in clean and "onerror" not in clean
    assert "javascript:" not in clean and "iframe" not in clean and "style=" not in clean
    assert "<b>ouvert</b>" in clean
    assert 'src="https://fondation.example/appels/x.png"' in clean


def test_relative_links_become_absolute() -> None:
    assert 'href="https://ex.org/guide.pdf"' in sanitise('<a href="/guide.pdf">Guide</a>', "https://ex.org/a/b")


def test_plain_text_collapses_whitespace_and_cuts_at_a_word() -> None:
    assert plain_text("<p>Date&nbsp;limite :\n  <b>15 mars</b></p>") == "Date limite : 15 mars"
    long = plain_text("<p>" + "solidarité " * 200 + "</p>", limit=50)
    assert long.endswith("…") and len(long) <= 51 and "solidarit…" not in long


def test_canonical_url_strips_tracking_and_normalises_scheme_and_host() -> None:
    a = canonical_url("http://WWW.Fondation-Exemple.org/appels/x/?utm_source=lettre&utm_medium=mail&id=3#haut")
    b = canonical_url("https://fondation-exemple.org/appels/x?id=3&fbclid=abc")
    assert a == b == "https://fondation-exemple.org/appels/x?id=3"


def test_canonical_url_keeps_what_it_cannot_normalise() -> None:
    assert canonical_url(None) is None
    assert canonical_url("mailto:info@example.org") == "mailto:info@example.org"
