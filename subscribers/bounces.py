"""Bounces and complaints: hard bounces and complaints suppress at once, soft ones after a run of them.

Sources: SMTP refusals reported by delivery (:meth:`BounceRecorder.record`), and DSN/ARF messages read from a
local Maildir (:func:`read_maildir`), parsed by flufl.bounce (DSN) and by the ARF report itself (complaints).

    read_maildir: unseen messages | parse (pure) | record each address | mark the message seen
"""

from __future__ import annotations

import contextlib
import mailbox
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

from flufl.bounce import all_failures

from core.clock import Clock
from core.errors import InvalidInput
from core.model import BounceKind, ConsentAction, ConsentOrigin, SubscriberStatus
from core.states import can_move
from storage.bounce_mail import BounceStore, Send
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.addresses import normalise

_STATUS = {BounceKind.HARD: SubscriberStatus.BOUNCED, BounceKind.COMPLAINT: SubscriberStatus.COMPLAINED}
_REASON = {BounceKind.HARD: "hard_bounce", BounceKind.COMPLAINT: "complaint", BounceKind.SOFT: "soft_bounces"}


class BounceRecorder:
    def __init__(self, db: Database, clock: Clock, soft_limit: int) -> None:
        self.db, self.clock, self.soft_limit = db, clock, soft_limit

    def record(
        self, subscriber_id: int, kind: BounceKind, origin: str, detail: str, delivery_id: int | None = None
    ) -> None:
        """Keep the bounce; suppress at once for a hard bounce or complaint, after ``soft_limit`` sends in a row
        that soft-bounced."""
        with self.db.session() as s:
            self.record_with(BounceStore(s), subscriber_id, kind, origin, detail, delivery_id)

    def record_with(
        self,
        store: BounceStore,
        subscriber_id: int,
        kind: BounceKind,
        origin: str,
        detail: str,
        delivery_id: int | None = None,
    ) -> None:
        """:meth:`record` inside the caller's session (the mailbox reader commits it with the message handled).

        A soft bounce counts for a send: the ledger row it names, else the subscriber's latest send. Repeated
        reports for one send (a "delayed" warning, then another) count once; a send without a soft bounce ends
        the run, and so does a suppression (lifted by staff, the count starts afresh). A subscriber with no send
        in the ledger (only system emails) counts each soft bounce, as before.
        """
        now = self.clock.now()
        repo = store.subscribers
        sub = repo.get(subscriber_id)
        if kind == BounceKind.SOFT and delivery_id is None:
            delivery_id = store.latest_send(subscriber_id)
        repo.add_bounce(subscriber_id, kind, origin, detail, now, delivery_id)
        if kind == BounceKind.HARD and delivery_id is not None:
            store.bounce_delivery(delivery_id)  # a late DSN: the ledger row accepted earlier is bounced after all
        details: dict[str, str] = {"reason": _REASON[kind]}
        if kind == BounceKind.SOFT:
            if delivery_id is None:  # no send in the ledger: each soft bounce counts
                sub.soft_bounces += 1
                run: list[Send] = []
            else:
                run = soft_run(store.trail(subscriber_id), delivery_id)
                if not run:  # a send from before the latest suppression: kept, not counted again
                    repo.save(sub)
                    return
                sub.soft_bounces = len(run)
            if sub.soft_bounces < self.soft_limit:
                repo.save(sub)
                return
            details["note"] = soft_note(run, sub.soft_bounces, detail)
        target = _STATUS.get(kind, SubscriberStatus.BOUNCED)
        if can_move(sub.status, target):
            sub.status = target
        repo.save(sub)
        repo.suppress(sub.email, _REASON[kind], now)
        repo.log(sub, ConsentAction.SUPPRESS, ConsentOrigin.BOUNCE, now, details=details)

    def delivered(self, subscriber_id: int) -> None:
        """A message was accepted: soft bounces count only in a row."""
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            sub = repo.get(subscriber_id)
            if sub.soft_bounces:
                sub.soft_bounces = 0
                repo.save(sub)

    def record_address(self, email: str, kind: BounceKind, origin: str, detail: str) -> bool:
        """Record a bounce for whoever has ``email``; False when no subscriber has it."""
        with self.db.session() as s:
            sub = SubscriberRepository(s).by_email(email)
        if sub is None or sub.id is None:
            return False
        self.record(sub.id, kind, origin, detail)
        return True


def soft_run(trail: Sequence[Send], delivery_id: int) -> list[Send]:
    """The consecutive sends that soft-bounced around ``delivery_id`` in ``trail`` (oldest first). Pure."""
    at = next((i for i, send in enumerate(trail) if send.delivery_id == delivery_id), None)
    if at is None or not trail[at].soft_bounced:
        return []
    start, end = at, at
    while start > 0 and trail[start - 1].soft_bounced:
        start -= 1
    while end + 1 < len(trail) and trail[end + 1].soft_bounced:
        end += 1
    return list(trail[start : end + 1])


def soft_note(run: Sequence[Send], count: int, detail: str) -> str:
    """Why soft bounces suppressed an address, in French for the staff (the consent log shows it). Pure."""
    last = " ".join(detail.split())[:200]
    if run:
        titles = ", ".join(f"« {send.issue_title} »" for send in run)
        text = f"rejet temporaire à {len(run)} envois consécutifs : {titles}"
    else:
        text = f"{count} rejets temporaires de suite (messages hors des envois)"
    return f"{text} ; dernière réponse : {last}" if last else text


def parse_report(msg: Message) -> list[tuple[str, BounceKind]]:
    """The addresses a DSN or ARF message reports, with what happened to each. Pure."""
    found: dict[str, BounceKind] = {}
    if msg.get_content_type() == "multipart/report" and msg.get_param("report-type") == "feedback-report":
        for part in msg.walk():
            if part.get_content_type() == "message/feedback-report":
                for sub in _payload_headers(part):
                    for rcpt in sub.get_all("Original-Rcpt-To", []):
                        _add(found, rcpt, BounceKind.COMPLAINT)
            elif part.get_content_type() in ("message/rfc822", "text/rfc822-headers") and not found:
                for sub in _payload_headers(part):
                    _add(found, sub.get("To", ""), BounceKind.COMPLAINT)
        return sorted(found.items())
    temporary, permanent = all_failures(msg)
    for raw in permanent:
        _add(found, raw, BounceKind.HARD)
    for raw in temporary:
        if raw not in permanent:
            _add(found, raw, BounceKind.SOFT)
    return sorted(found.items())


def _payload_headers(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    if isinstance(payload, str):
        from email.parser import HeaderParser

        return [HeaderParser().parsestr(payload)]
    return []


def _add(found: dict[str, BounceKind], raw: bytes | str, kind: BounceKind) -> None:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    text = text.strip().removeprefix("rfc822;").strip().strip("<>")
    with contextlib.suppress(InvalidInput):  # not an address we could have sent to
        found.setdefault(normalise(text), kind)


@dataclass
class MaildirReport:
    messages: int = 0
    recorded: list[tuple[str, str]] = field(default_factory=list)  # (address, kind)
    unknown: list[str] = field(default_factory=list)  # reported addresses no subscriber has
    not_reports: int = 0  # messages that named no failed address
    unsubscribed: int = 0  # List-Unsubscribe mailto requests honoured
    refused: int = 0  # mailto requests with a forged or voided token


def unsubscribe_token(msg: Message) -> str | None:
    """The token of a ``List-Unsubscribe`` mailto request (subject ``unsubscribe <token>``), if it is one. Pure."""
    match = _UNSUBSCRIBE_SUBJECT.match(str(msg.get("Subject", "")).strip())
    return match.group(1) if match else None


_UNSUBSCRIBE_SUBJECT = re.compile(r"(?:re:\s*)?unsubscribe\s+([A-Za-z0-9_.\-]+)\Z", re.IGNORECASE)


def read_maildir(
    path: Path,
    recorder: BounceRecorder,
    *,
    origin: str = "dsn",
    unsubscribe: Callable[[str], None] | None = None,
) -> MaildirReport:
    """Record every report in the unseen messages of the Maildir at ``path``, then mark them seen ('S').

    With ``unsubscribe``, a message answering a ``List-Unsubscribe`` mailto is handed its token (a forged or voided
    token raises :class:`InvalidInput`, counted in ``refused``): the same mailbox can receive both.
    """
    if not (path / "cur").is_dir() and not (path / "new").is_dir():
        raise InvalidInput(f"{path} is not a Maildir (no cur/ or new/ folder)", code="not_a_maildir", path=path)
    box = mailbox.Maildir(str(path), create=False)
    report = MaildirReport()
    for key in list(box.keys()):
        msg = box.get_message(key)
        if "S" in msg.get_flags():
            continue
        report.messages += 1
        token = unsubscribe_token(msg) if unsubscribe else None
        if token and unsubscribe:
            try:
                unsubscribe(token)
                report.unsubscribed += 1
            except InvalidInput:
                report.refused += 1
            _mark_seen(box, key, msg)
            continue
        found = parse_report(msg)
        if not found:
            report.not_reports += 1
        for email, kind in found:
            detail = f"{msg.get('Subject', '')}"[:500]
            if recorder.record_address(email, kind, origin if kind != BounceKind.COMPLAINT else "arf", detail):
                report.recorded.append((email, str(kind)))
            else:
                report.unknown.append(email)
        _mark_seen(box, key, msg)
    return report


def _mark_seen(box: mailbox.Maildir, key: str, msg: mailbox.MaildirMessage) -> None:
    msg.set_subdir("cur")
    msg.add_flag("S")
    box[key] = msg
