"""What one message of the bounce mailbox says, decided from its bytes alone. Pure.

A message is one of: a delivery report naming failed addresses (a DSN, or a bounce in a server's own words, read
by flufl.bounce), a complaint (an ARF feedback report), a ``List-Unsubscribe`` mailto request, or none of these
(a person's reply, a report we cannot read, bytes that are no message): that one stays for a person.

A report usually carries the headers of the message it is about; when that message's Message-ID is one of ours
(``<relais.{issue}.{subscriber}.{mac}@…>``), the report names its send, so repeated reports for one send count once.
"""

from __future__ import annotations

import email
import email.header
import re
from dataclasses import dataclass, field
from email.message import Message
from enum import StrEnum

from core.model import BounceKind
from subscribers.bounces import parse_report, unsubscribe_token


class Verdict(StrEnum):
    REPORT = "report"  # names failed or complaining addresses
    UNSUBSCRIBE = "unsubscribe"  # a List-Unsubscribe mailto request
    UNCLASSIFIED = "unclassified"  # left in the mailbox for a person


@dataclass(frozen=True, slots=True)
class Classified:
    verdict: Verdict
    addresses: list[tuple[str, BounceKind]] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)  # per address: the server's words (status, diagnostic)
    original_message_id: str = ""  # the Message-ID of the message reported on, when the report carries it
    token: str = ""  # the unsubscribe token
    why: str = ""  # for an unclassified message: why, in French
    subject: str = ""


_OUR_MESSAGE_ID = re.compile(r"<relais\.(\d+)\.(\d+)\.[0-9a-f]{8}@[^>]+>")


def classify(raw: bytes, *, truncated: bool = False) -> Classified:
    """Read one message. ``truncated``: only its beginning was fetched (the report comes before the original)."""
    try:
        msg = email.message_from_bytes(raw)
        subject = _text(msg.get("Subject", ""))
    except Exception as exc:  # the email package raises many kinds on hostile bytes; none may stop the run
        return Classified(Verdict.UNCLASSIFIED, why=f"message illisible ({type(exc).__name__})")
    if not raw.strip() or not msg.keys():
        return Classified(Verdict.UNCLASSIFIED, why="message illisible : aucun en-tête", subject=subject)
    token = unsubscribe_token(msg)
    if token:
        return Classified(Verdict.UNSUBSCRIBE, token=token, subject=subject)
    try:
        found = parse_report(msg)
    except Exception as exc:  # flufl.bounce's detectors on a malformed report
        return Classified(Verdict.UNCLASSIFIED, why=f"rapport illisible ({type(exc).__name__})", subject=subject)
    if not found:
        why = "aucune adresse en échec ni plainte reconnue"
        if truncated:
            why += " (seul le début de ce très gros message a été lu)"
        return Classified(Verdict.UNCLASSIFIED, why=why, subject=subject)
    details = _diagnostics(msg)
    return Classified(
        Verdict.REPORT,
        addresses=found,
        details={addr: details.get(addr, subject)[:500] for addr, _ in found},
        original_message_id=_original_message_id(msg),
        subject=subject,
    )


def ledger_hint(message_id: str) -> tuple[int, int] | None:
    """(issue id, subscriber id) from one of our Message-IDs; the ledger confirms it (the mac is not checked
    here). Pure."""
    match = _OUR_MESSAGE_ID.search(message_id)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _original_message_id(msg: Message) -> str:
    for part in msg.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                value = payload[0].get("Message-ID", "")
            elif isinstance(payload, str):
                value = email.message_from_string(payload.split("\n\n", 1)[0] + "\n\n").get("Message-ID", "")
            else:
                continue
            if value:
                return " ".join(str(value).split())
    # Servers that quote the original in the text (Exim's and others' own words) still show its header.
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and (m := _OUR_MESSAGE_ID.search(payload.decode("latin-1"))):
                return m.group(0)
    return ""


def _diagnostics(msg: Message) -> dict[str, str]:
    """Per recipient of a DSN: « 5.1.1 — smtp; 550 5.1.1 user unknown »."""
    out: dict[str, str] = {}
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks:
            if not isinstance(block, Message):
                continue
            rcpt = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
            address = rcpt.split(";", 1)[-1].strip().strip("<>").lower()
            said = " — ".join(
                " ".join(str(v).split()) for v in (block.get("Status", ""), block.get("Diagnostic-Code", "")) if v
            )
            if address and said:
                out[address] = said
    return out


def _text(value: object) -> str:
    """A header as text: encoded words decoded, raw 8-bit bytes read as UTF-8 (else Latin-1)."""
    try:
        chunks = email.header.decode_header(value if isinstance(value, email.header.Header) else str(value))
    except Exception:  # a malformed encoded word: the header as it is
        chunks = [(str(value), None)]
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            try:
                out.append(chunk.decode(charset if charset and charset != "unknown-8bit" else "utf-8"))
            except (LookupError, UnicodeDecodeError):
                out.append(chunk.decode("latin-1"))
        else:
            out.append(chunk)
    return " ".join("".join(out).split())[:300]


__all__ = ["Classified", "Verdict", "classify", "ledger_hint"]
