"""One spelling per address, refused with a reason when invalid, without touching the network."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from subscribers.addresses import normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Alice@Exemple.FR", "alice@exemple.fr"),
        ("  bob@exemple.fr\n", "bob@exemple.fr"),
        ("jean@ÉCOLE.fr", "jean@xn--cole-9oa.fr"),
        ("jean@xn--cole-9oa.fr", "jean@xn--cole-9oa.fr"),
    ],
)
def test_addresses_are_normalised(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "alice", "alice@", "@exemple.fr", "a@b", "a b@exemple.fr", "a@@b.fr"])
def test_invalid_addresses_are_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(InvalidInput, match="adresse électronique"):
        normalise(raw)
