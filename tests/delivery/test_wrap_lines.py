"""wrap_lines counts octets in one C call when no placeholder is within reach of the cut: the same cuts as
counting character by character (the rule it replaced, kept here as the reference), on random French text with
multi-octet characters and placeholders."""

from __future__ import annotations

import random

from core.message import Placeholder
from delivery.compose import BUDGET, MAX_LINE, wrap_lines


def _reference(text: str, limit: int) -> str | None:
    def worst(line: str) -> int:
        return len(line.encode("utf-8")) + sum(line.count(p) * (b - len(p)) for p, b in BUDGET.items())

    def fits(line: str) -> int:
        size = 0
        for n, ch in enumerate(line):
            size += len(ch.encode("utf-8"))
            size += next((b - len(p) for p, b in BUDGET.items() if line.startswith(p, n)), 0)
            if size > limit:
                return n
        return len(line)

    out = []
    for line in text.splitlines():
        while worst(line) > limit:
            cut = line.rfind(" ", 0, fits(line))
            if cut <= 0:
                return None
            out.append(line[:cut])
            line = line[cut + 1 :]
        out.append(line)
    return "\n".join(out) + "\n"


def test_the_same_cuts_as_counting_each_character() -> None:
    rng = random.Random(18)
    rare = ["é", "€", "😀", "\n", "R", str(Placeholder.EMAIL), str(Placeholder.UNSUBSCRIBE_URL)]
    for _ in range(400):
        text = "".join(
            rng.choice(rare) if rng.random() < 0.05 else rng.choice("abcdéf  ") for _ in range(rng.randint(0, 4000))
        )
        limit = rng.choice([20, 120, MAX_LINE])
        assert wrap_lines(text, limit) == _reference(text, limit)


def test_a_long_inlined_html_line_is_cut_under_the_limit() -> None:
    line = " ".join(f'<td style="padding:0 24px;color:#333">Appel n°{n} — clôture</td>' for n in range(3000))
    wrapped = wrap_lines(line + " " + str(Placeholder.EMAIL))
    assert wrapped is not None
    assert max(len(x.encode()) for x in wrapped.splitlines()) <= MAX_LINE
    assert wrapped.replace("\n", " ").strip() == line + " " + str(Placeholder.EMAIL)
