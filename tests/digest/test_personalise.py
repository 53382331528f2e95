"""Per-subscriber filling gives exactly what str.replace would, and refuses to leave a placeholder."""

from __future__ import annotations

import pytest

from core.message import Placeholder, RenderedSegment
from digest.personalise import PreparedSegment

VALUES = {
    Placeholder.UNSUBSCRIBE_URL: "https://r.example/u/abc",
    Placeholder.PREFERENCES_URL: "https://r.example/p/abc",
    Placeholder.VIEW_URL: "https://r.example/archives/1",
    Placeholder.EMAIL: "a@exemple.fr",
}


def _replace(text: str) -> str:
    for ph, v in VALUES.items():
        text = text.replace(str(ph), v)
    return text


def test_fill_matches_plain_replacement() -> None:
    html = (
        f'<a href="{Placeholder.UNSUBSCRIBE_URL}">x</a>{Placeholder.EMAIL} {Placeholder.EMAIL}<p>{Placeholder.VIEW_URL}'
    )
    text = f"Vous : {Placeholder.EMAIL}\n{Placeholder.PREFERENCES_URL}\nfin"
    prepared = PreparedSegment(RenderedSegment(1, "k", "s", html, text))
    assert prepared.fill(VALUES) == (_replace(html), _replace(text))
    assert "RELAISx" not in "".join(prepared.fill(VALUES))


def test_a_missing_value_is_an_error_not_a_leaked_placeholder() -> None:
    prepared = PreparedSegment(RenderedSegment(1, "k", "s", f"{Placeholder.EMAIL}", "no placeholder"))
    with pytest.raises(KeyError):
        prepared.fill({})
    assert prepared.text.fill({}) == "no placeholder"
