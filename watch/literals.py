"""What literal text every match of a regular expression must contain: a prefilter that costs a substring search
or two instead of a regex scan.

:func:`required` reads a pattern with Python's own regex parser and returns sets of strings such that every
match contains at least one string of each set: « dates? limites? » gives ``(("date limite", "dates limite"),
…)``, « jusq?u?'?\\s?(?:au|à) » gives ``(("jus",),)``. A text lacking every string of one set cannot match, so
:func:`may_match` lets a caller skip the scan. Within a run of parts spelled exactly, the stretch with the fewest
spellings and the longest ones is chosen (each spelling is one more search). What the reader cannot prove gives
fewer sets, never a wrong one: an optional part, a repeat that may be absent, a class of many characters, an
assertion all require nothing. If the parser is unavailable (a private module of the standard library), every
pattern requires nothing and every scan runs: slower, never different.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from itertools import product
from typing import Any

Needs = tuple[tuple[str, ...], ...]

_VARIANTS = 64  # strings a part may spell before it counts as "anything"
_SPELLINGS = 12  # spellings of a chosen stretch, at most (each is one more search)
_SHORTEST = 3  # a set whose shortest string is shorter is in nearly any text: not worth a search
_KEPT = 2  # the most selective sets kept per pattern

try:
    _parser: Any = importlib.import_module("re._parser")
    _c: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - another Python: no prefilter
    _parser = _c = None


def required(pattern: str) -> Needs:
    """Sets of strings, each of which has one member in every match of ``pattern`` (most selective first)."""
    if _parser is None:
        return ()
    try:
        parsed = _parser.parse(pattern)
    except Exception:  # a pattern this reader does not follow requires nothing
        return ()
    if parsed.state.flags & re.IGNORECASE:  # the literals would stand for other spellings too
        return ()
    sets = {s for s in _needs(list(parsed)) if min(map(len, s)) >= _SHORTEST}
    best = sorted(sets, key=lambda s: (-_score(s), len(s), sorted(s)))[:_KEPT]
    return tuple(tuple(sorted(s, key=lambda x: (-len(x), x))) for s in best)


def may_match(needs: Needs, text: str) -> bool:
    """False when ``text`` lacks every string of one of the sets: no match of the pattern can be in it."""
    for strings in needs:
        for s in strings:
            if s in text:
                break
        else:
            return False
    return True


def _score(strings: AbstractSet[str]) -> int:
    """Longer strings are rarer; each spelling costs one more search."""
    return min(map(len, strings)) - (len(strings) - 1)


def _needs(nodes: Sequence[tuple[Any, Any]]) -> list[frozenset[str]]:
    """The sets a sequence requires: the best stretch of each run of exactly spelled parts, and what each other
    part requires."""
    out: list[frozenset[str]] = []
    run: list[set[str]] = []
    for op, av in nodes:
        exact = _exact(op, av)
        if exact is not None:
            run.append(exact)
            continue
        out += _stretch(run)
        run = []
        out += _inner(op, av)
    return out + _stretch(run)


def _stretch(run: list[set[str]]) -> list[frozenset[str]]:
    """The consecutive parts of ``run`` whose spellings are fewest and longest (none if all may be empty)."""
    best: frozenset[str] | None = None
    for i in range(len(run)):
        spelled: set[str] = {""}
        for part in run[i:]:
            joined = _joined(spelled, part)
            if joined is None:
                break
            spelled = joined
            if "" in spelled:
                continue
            candidate = _minimal(spelled)
            if len(candidate) <= _SPELLINGS and (best is None or _score(candidate) > _score(best)):
                best = candidate
    return [best] if best is not None else []


def _inner(op: Any, av: Any) -> list[frozenset[str]]:
    """What a part that spells too many strings still requires."""
    if op is _c.SUBPATTERN:
        return [] if _folds_case(av) else _needs(list(av[-1]))
    if op is _c.ATOMIC_GROUP:
        return _needs(list(av))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1:
        return _needs(list(av[2]))  # there at least once
    if op is _c.BRANCH:  # one set per alternative, their union: whichever branch matched, one of them is there
        union: set[str] = set()
        for alternative in av[1]:
            sets = _needs(list(alternative))
            if not sets:
                return []
            union |= max(sets, key=_score)
        return [_minimal(union)]
    return []


def _exact(op: Any, av: Any) -> set[str] | None:
    """Every string a part can match, when they are few; else None."""
    if op is _c.LITERAL:
        return {chr(av)}
    if op is _c.IN and all(o is _c.LITERAL for o, _ in av) and len(av) <= _VARIANTS:
        return {chr(a) for _, a in av}
    if op is _c.SUBPATTERN:
        return None if _folds_case(av) else _exact_seq(list(av[-1]))
    if op is _c.BRANCH:
        spelled: set[str] = set()
        for alternative in av[1]:
            each = _exact_seq(list(alternative))
            if each is None:
                return None
            spelled |= each
        return spelled if len(spelled) <= _VARIANTS else None
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[1] <= 3:
        inner = _exact_seq(list(av[2]))
        if inner is None:
            return None
        spelled = set()
        for times in range(av[0], av[1] + 1):
            each = _power(inner, times)
            if each is None:
                return None
            spelled |= each
        return spelled if len(spelled) <= _VARIANTS else None
    return None


def _folds_case(subpattern: Any) -> bool:
    """A group with its own (?i): its literals stand for other spellings too."""
    return bool(subpattern[1] & re.IGNORECASE)


def _exact_seq(nodes: Sequence[tuple[Any, Any]]) -> set[str] | None:
    spelled: set[str] | None = {""}
    for op, av in nodes:
        each = _exact(op, av)
        if each is None or spelled is None:
            return None
        spelled = _joined(spelled, each)
    return spelled


def _power(strings: set[str], times: int) -> set[str] | None:
    out: set[str] | None = {""}
    for _ in range(times):
        if out is None:
            return None
        out = _joined(out, strings)
    return out


def _joined(left: Iterable[str], right: Iterable[str]) -> set[str] | None:
    joined = {a + b for a, b in product(left, right)}
    return joined if len(joined) <= _VARIANTS else None


def _minimal(strings: Iterable[str]) -> frozenset[str]:
    """Drop the strings that contain another one of the set: finding the shorter one is enough."""
    kept: list[str] = []
    for s in sorted(set(strings), key=len):
        if not any(k in s for k in kept):
            kept.append(s)
    return frozenset(kept)
