"""The literal prefilter of the cues: what it requires is in every match, so skipping a scan never loses a cue."""

from __future__ import annotations

import importlib
import random
import re
from typing import Any

import pytest

from watch.cues import _COMPILED, CueMatch, Meaning, cues_in
from watch.literals import may_match, required

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")
_POOL = " \n\t.,;:|'-/a zéèô1_xq«"  # what a class, a category or "any character" may be spelled with


def _sample(nodes: Any, rng: random.Random) -> str:
    """One string spelled by walking the parsed pattern; a lookahead's text follows, the other assertions are left
    out (the caller keeps the real matches only)."""
    out = []
    for op, av in nodes:
        if op is _c.LITERAL:
            out.append(chr(av))
        elif op is _c.NOT_LITERAL or op is _c.ANY:
            out.append(rng.choice([ch for ch in _POOL if op is _c.ANY or ord(ch) != av]))
        elif op is _c.IN:
            spelled = [chr(a) for o, a in av if o is _c.LITERAL] + [chr(a[0]) for o, a in av if o is _c.RANGE]
            out.append(rng.choice([ch for ch in {*_POOL, *spelled} if _in_class(ch, av)]))
        elif op is _c.BRANCH:
            out.append(_sample(rng.choice(av[1]), rng))
        elif op is _c.SUBPATTERN:
            out.append(_sample(av[-1], rng))
        elif op is _c.ASSERT and av[0] == 1:
            out.append(_sample(av[1], rng))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            low, high = av[0], min(av[1], av[0] + 3)
            out.extend(_sample(av[2], rng) for _ in range(rng.randint(low, high)))
    return "".join(out)


def _in_class(ch: str, items: Any) -> bool:
    categories = {
        _c.CATEGORY_DIGIT: str.isdigit,
        _c.CATEGORY_SPACE: str.isspace,
        _c.CATEGORY_WORD: lambda x: x.isalnum() or x == "_",
    }
    negate, hit = False, False
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            hit = hit or ch == chr(av)
        elif op is _c.RANGE:
            hit = hit or av[0] <= ord(ch) <= av[1]
        elif op is _c.CATEGORY:
            hit = hit or categories[av](ch)
    return hit != negate


@pytest.mark.parametrize("index", range(len(_COMPILED)), ids=lambda i: _COMPILED[i][0].phrase[:40])
def test_every_match_of_a_cue_holds_what_it_requires(index: int) -> None:
    cue, pattern, needs = _COMPILED[index]
    rng = random.Random(index)
    matched = 0
    for _ in range(400):
        text = _sample(_parser.parse(pattern.pattern), rng)
        for m in pattern.finditer(f"le {text} 12 mars 2027"):
            matched += 1
            assert may_match(needs, m.group()), (cue.phrase, m.group(), needs)
    assert matched > 0, "the sampler spelled no match: the property was not tested"


def _every_cue(text: str) -> list[CueMatch]:
    """cues_in without the prefilter: every pattern scanned."""
    found = [
        CueMatch(cue, m.start(), m.end())
        for cue, pattern, _ in _COMPILED
        for m in pattern.finditer(text)
        if cue.glued or m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_")
    ]
    voids = [(m.start, m.end) for m in found if m.cue.meaning == Meaning.VOID]
    kept = [m for m in found if m.cue.meaning != Meaning.VOID]
    kept = [m for m in kept if not any(s <= m.start < e or m.start <= s < m.end for s, e in voids)]
    return sorted(kept, key=lambda m: (m.start, m.end))


def test_cues_found_with_the_prefilter_are_those_found_without() -> None:
    rng = random.Random(17)
    for _ in range(300):
        parts = [_sample(_parser.parse(rng.choice(_COMPILED)[1].pattern), rng) for _ in range(rng.randint(1, 4))]
        text = " ".join(f"{p} le {rng.randint(1, 28)} mars 2027." for p in parts)
        assert cues_in(text) == _every_cue(text)


def test_what_a_pattern_requires() -> None:
    assert required(r"dates? limites?") == (("dates limite", "date limite"),)
    assert required(r"jusq?u?'?\s?(?:au|à)") == (("jus",),)
    assert set(required(r"(?:foo|bar)\w+ baz")[0]) <= {"foo", "bar", " baz"}
    # a branch: one string of each alternative
    assert sorted(required(r"(?:abc\w*|xyz\d+)")[0]) == ["abc", "xyz"]


def test_what_may_be_absent_is_not_required() -> None:
    assert required(r"(?:limite)?\w+") == ()
    assert required(r"x*") == ()
    assert required(r"\w+ à\d+") == ()  # shorter than three characters: found in nearly any text
    assert required(r"(?=limite)\w+") == ()  # an assertion requires nothing
    assert required(r"(?i)date limite") == ()  # other spellings of the letters match too
    assert required(r"(?i:date) limite") == ((" limite",),)


def test_may_match() -> None:
    needs = required(r"(?:applications?|calls?) close")
    assert may_match(needs, "applications close on 3 may")
    assert not may_match(needs, "applications are welcome")
    assert re.search(r"(?:applications?|calls?) close", "applications are welcome") is None
