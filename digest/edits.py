"""Staff edits to a draft before sending: reorder, remove, add items, and the editorial. Pure functions over
an issue's entries; the service checks the issue is still a draft and saves the result."""

from __future__ import annotations

from core.errors import InvalidInput
from core.model import IssueEntry
from digest import sections as S

MAX_SUBJECT = 200  # characters; mail clients show ~60, and a header this long is a pasted text, not a subject
MAX_EDITORIAL = 20_000  # characters; an editorial longer than that is a mistake (a pasted document)


def _renumber(entries: list[IssueEntry]) -> list[IssueEntry]:
    """Positions follow the reading order: section order first, then the order within each section."""
    rank = {s: n for n, s in enumerate(S.ORDER)}
    ordered = sorted(entries, key=lambda e: (rank.get(e.section, len(rank)), e.position))
    return [IssueEntry(e.item_id, e.section, n) for n, e in enumerate(ordered)]


def _find(entries: list[IssueEntry], item_id: int) -> IssueEntry:
    for e in entries:
        if e.item_id == item_id:
            return e
    raise InvalidInput(f"item {item_id} is not in this issue", code="item_not_in_issue", item=item_id)


def remove(entries: list[IssueEntry], item_id: int) -> list[IssueEntry]:
    _find(entries, item_id)
    return _renumber([e for e in entries if e.item_id != item_id])


def add(entries: list[IssueEntry], item_id: int, section: str) -> list[IssueEntry]:
    """Append an item at the end of ``section``."""
    if section not in S.HEADINGS:
        raise InvalidInput(
            f"unknown section {section!r}; one of {', '.join(S.ORDER)}", code="unknown_section", section=section
        )
    if any(e.item_id == item_id for e in entries):
        raise InvalidInput(f"item {item_id} is already in this issue", code="item_already_in_issue", item=item_id)
    return _renumber([*entries, IssueEntry(item_id, section, 10**9)])


def move(entries: list[IssueEntry], item_id: int, *, to_index: int, section: str | None = None) -> list[IssueEntry]:
    """Put an item at ``to_index`` (0-based) within its section, or within another ``section``."""
    entry = _find(entries, item_id)
    target = section or entry.section
    if target not in S.HEADINGS:
        raise InvalidInput(
            f"unknown section {target!r}; one of {', '.join(S.ORDER)}", code="unknown_section", section=target
        )
    rest = _renumber([e for e in entries if e.item_id != item_id])
    same = [e for e in rest if e.section == target]
    if not 0 <= to_index <= len(same):
        raise InvalidInput(
            f"position {to_index} is outside section {target!r} (0..{len(same)})", code="position_outside_section"
        )
    same.insert(to_index, IssueEntry(item_id, target, 0))
    others = [e for e in rest if e.section != target]
    renumbered = [IssueEntry(e.item_id, e.section, n) for n, e in enumerate(same)]
    return _renumber(others + renumbered)


def check_editorial(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_EDITORIAL:
        raise InvalidInput(
            f"the editorial is {len(text)} characters long; keep it under {MAX_EDITORIAL}",
            code="editorial_too_long",
            length=len(text),
            limit=MAX_EDITORIAL,
        )
    return text


def check_subject(subject: str) -> str:
    """A subject is one line (a line break would forge mail headers) of at most MAX_SUBJECT characters."""
    subject = subject.strip()
    if not subject:
        raise InvalidInput("the subject cannot be empty", code="subject_empty")
    if any(ch in subject for ch in "\r\n\x00"):
        raise InvalidInput("the subject must be a single line", code="subject_multiline")
    if len(subject) > MAX_SUBJECT:
        raise InvalidInput(
            f"the subject is {len(subject)} characters long; keep it under {MAX_SUBJECT}",
            code="subject_too_long",
            length=len(subject),
            limit=MAX_SUBJECT,
        )
    return subject
