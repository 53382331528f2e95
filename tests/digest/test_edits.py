"""Staff reorder, remove and add items in a draft; positions always follow the reading order."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.model import IssueEntry
from digest import edits
from digest import sections as S


def _draft() -> list[IssueEntry]:
    return [
        IssueEntry(10, S.FUNDING, 0),
        IssueEntry(11, S.FUNDING, 1),
        IssueEntry(12, S.FUNDING, 2),
        IssueEntry(20, S.NEWS, 3),
    ]


def _ids(entries: list[IssueEntry]) -> list[int]:
    return [e.item_id for e in sorted(entries, key=lambda e: e.position)]


def test_move_within_a_section() -> None:
    moved = edits.move(_draft(), 12, to_index=0)
    assert _ids(moved) == [12, 10, 11, 20]
    assert [e.position for e in moved] == [0, 1, 2, 3]


def test_move_to_another_section_such_as_the_front_page() -> None:
    moved = edits.move(_draft(), 20, to_index=0, section=S.FEATURED)
    assert _ids(moved) == [20, 10, 11, 12]
    assert moved[0].section == S.FEATURED


def test_remove_and_add() -> None:
    out = edits.add(edits.remove(_draft(), 11), 30, S.FUNDING)
    assert _ids(out) == [10, 12, 30, 20]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: edits.remove(e, 99), "not in this issue"),
        (lambda e: edits.add(e, 10, S.NEWS), "already in this issue"),
        (lambda e: edits.add(e, 31, "nowhere"), "unknown section"),
        (lambda e: edits.move(e, 10, to_index=7), "outside section"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(change, message) -> None:  # type: ignore[no-untyped-def]
    draft = _draft()
    with pytest.raises(InvalidInput, match=message):
        change(draft)
    assert _ids(draft) == [10, 11, 12, 20]


def test_editorial_is_trimmed_and_bounded() -> None:
    assert edits.check_editorial("  Bonjour  \n") == "Bonjour"
    with pytest.raises(InvalidInput, match="keep it under"):
        edits.check_editorial("x" * (edits.MAX_EDITORIAL + 1))


def test_subject_is_one_line_of_reasonable_length() -> None:
    assert edits.check_subject("  Appels à projets 🌍  ") == "Appels à projets 🌍"
    for bad, message in [("", "cannot be empty"), ("a\nBcc: x@y.z", "single line"), ("x" * 201, "keep it under")]:
        with pytest.raises(InvalidInput, match=message):
            edits.check_subject(bad)
