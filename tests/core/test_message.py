"""The one placeholder substitution, on rendered text and on serialised bytes."""

from __future__ import annotations

from core.message import Placeholder, fill


def test_fill_replaces_in_one_pass_on_text_and_bytes() -> None:
    text = (
        f"<a href='{Placeholder.UNSUBSCRIBE_URL}'>x</a> {Placeholder.EMAIL} {Placeholder.EMAIL} {Placeholder.VIEW_URL}"
    )
    values = {Placeholder.UNSUBSCRIBE_URL: f"https://l.example/u?{Placeholder.EMAIL}", Placeholder.EMAIL: "é@a.fr"}
    done = fill(text, values)
    # a value holding a placeholder is not substituted again; a placeholder without a value stays
    assert done == f"<a href='https://l.example/u?{Placeholder.EMAIL}'>x</a> é@a.fr é@a.fr {Placeholder.VIEW_URL}"
    assert fill(text.encode(), values) == done.encode("utf-8")
