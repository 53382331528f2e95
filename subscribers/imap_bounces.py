"""Bounces and complaints read from the real mailbox, over IMAP (imapclient).

    read_mailbox: connect | log in | select the folder (its UIDVALIDITY) | its UIDs | drop those handled already
        | per new message: fetch it (at most max_message_bytes: the report comes before the original)
        | classify (pure, subscribers.mail_reports) | record its bounces and remember its UID, in one commit
        | move it to the processed folder (flag it \\Seen and $RelaisTraite when the server cannot MOVE)
    A message it cannot classify stays in the folder for a person, flagged \\Flagged, and is counted once.

Never twice: a message is remembered by (mailbox, UIDVALIDITY, UID) in the same commit as its bounces, so a
connection dropped before the move leaves a message that the next pass only moves. Nothing lost: a message is
moved only after its commit; a failure stops the pass with a :class:`MailboxError` in French and the messages not
reached stay where they are.
"""

from __future__ import annotations

import contextlib
import imaplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from core.errors import InvalidInput, MailboxError
from core.model import BounceKind
from core.settings import BounceMailboxSettings, Security
from storage.bounce_mail import BounceStore
from subscribers.bounces import BounceRecorder
from subscribers.mail_reports import Classified, Verdict, classify, ledger_hint

PROCESSED_FLAG = b"$RelaisTraite"
RECORDED, UNCLASSIFIED = "recorded", "unclassified"


@dataclass
class MailboxReport:
    mailbox: str
    messages: int = 0  # new messages read in this pass
    recorded: list[tuple[str, str]] = field(default_factory=list)  # (address, kind)
    unknown: list[str] = field(default_factory=list)  # reported addresses no subscriber has
    unclassified: int = 0  # left in the folder for a person (counted once)
    truncated: int = 0  # larger than max_message_bytes: only their beginning was read
    unsubscribed: int = 0  # List-Unsubscribe mailto requests honoured
    refused: int = 0  # mailto requests with a forged or voided token
    moved: int = 0  # put away in the processed folder (or flagged, without MOVE)
    left: list[str] = field(default_factory=list)  # why each unclassified message was left, in French


class MailboxInterrupted(MailboxError):
    """The pass stopped part-way (a dropped connection, a timeout): ``report`` says what was done before."""

    def __init__(self, message: str, report: MailboxReport) -> None:
        super().__init__(message)
        self.report = report


def mailbox_key(conf: BounceMailboxSettings) -> str:
    return f"{conf.username}@{conf.imap_host}/{conf.folder}"[:400]


def read_mailbox(
    conf: BounceMailboxSettings,
    recorder: BounceRecorder,
    *,
    unsubscribe: Callable[[str], None] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> MailboxReport:
    """One pass over the bounce mailbox; raises :class:`MailboxError` (French, with ``.report`` so far)."""
    report = MailboxReport(mailbox_key(conf))
    client = _open(conf, ssl_context, report)
    try:
        _pass(client, conf, recorder, unsubscribe, report)
    except MailboxError:
        raise
    except (IMAPClientError, OSError) as exc:  # imaplib's abort, a reset socket, a timeout, a TLS alert
        raise _failure(conf, exc, report) from None
    finally:
        _close(client)
    return report


def _pass(
    client: IMAPClient,
    conf: BounceMailboxSettings,
    recorder: BounceRecorder,
    unsubscribe: Callable[[str], None] | None,
    report: MailboxReport,
) -> None:
    delimiter = _delimiter(client)
    folder, processed = (_server_name(name, delimiter) for name in (conf.folder, conf.processed_folder))
    try:
        info = client.select_folder(folder)
    except IMAPClientError:
        raise MailboxError(
            f"le dossier « {conf.folder} » n'existe pas dans la boîte {conf.username} sur {conf.imap_host} : "
            "vérifiez [subscribers.bounces] folder"
        ) from None
    uidvalidity = int(info[b"UIDVALIDITY"])
    if not client.folder_exists(processed):
        client.create_folder(processed)
        with contextlib.suppress(IMAPClientError):
            client.subscribe_folder(processed)
    uids = sorted(int(u) for u in client.search(["NOT", "DELETED", "NOT", "KEYWORD", PROCESSED_FLAG.decode()]))
    with recorder.db.session() as s:
        handled = BounceStore(s).handled(report.mailbox, uidvalidity, uids)
    # Handled last time but still here: the connection dropped before the move. Put them away now, once.
    _put_away(client, [u for u, outcome in handled.items() if outcome == RECORDED], processed, report)
    new = [u for u in uids if u not in handled]
    sizes = client.fetch(new, ["RFC822.SIZE"]) if new else {}
    for uid in new:
        size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
        truncated = size > conf.max_message_bytes
        raw = _body(client, uid, conf.max_message_bytes if truncated else None)
        if raw is None:  # expunged by someone else meanwhile
            continue
        report.messages += 1
        report.truncated += truncated
        found = classify(raw, truncated=truncated)
        outcome = _record(found, recorder, unsubscribe, report, uidvalidity, uid)
        if outcome == RECORDED:
            _put_away(client, [uid], processed, report)
        else:
            client.add_flags([uid], [b"\\Flagged"])


def _record(
    found: Classified,
    recorder: BounceRecorder,
    unsubscribe: Callable[[str], None] | None,
    report: MailboxReport,
    uidvalidity: int,
    uid: int,
) -> str:
    """Record what one message says and remember it as handled, in one commit; its outcome."""
    outcome = RECORDED
    if found.verdict is Verdict.UNSUBSCRIBE and unsubscribe is not None:
        try:  # its own commit: unsubscribing twice (after a crash right here) changes nothing
            unsubscribe(found.token)
            report.unsubscribed += 1
        except InvalidInput:
            report.refused += 1
    elif found.verdict is not Verdict.REPORT:
        outcome = UNCLASSIFIED
        report.unclassified += 1
        report.left.append(f"UID {uid} « {found.subject or '(sans objet)'} » : {found.why or 'non traité'}")
    hint = ledger_hint(found.original_message_id)
    with recorder.db.session() as s:
        store = BounceStore(s)
        for address, kind in found.addresses if outcome == RECORDED else []:
            having = store.networks_having(address)
            if not having:
                report.unknown.append(address)
                continue
            named = [n for n, sub in having.items() if hint is not None and hint[1] == sub]
            # The message it reports names its network; else every network with that address hears of it.
            for network in named or sorted(having):
                sub_id = having[network]
                delivery = None
                if hint is not None and hint[1] == sub_id:
                    delivery = store.delivery_of(hint[0], sub_id, found.original_message_id)
                origin = "arf" if kind == BounceKind.COMPLAINT else "dsn"
                detail = found.details.get(address, found.subject)
                recorder.record_with(store.in_network(network), sub_id, kind, origin, detail, delivery)
            report.recorded.append((address, str(kind)))
        store.mark_handled(report.mailbox, uidvalidity, uid, outcome, recorder.clock.now())
    return outcome


def _put_away(client: IMAPClient, uids: Sequence[int], processed: str, report: MailboxReport) -> None:
    if not uids:
        return
    if client.has_capability("MOVE"):
        client.move(list(uids), processed)
    else:  # RFC 6851 missing: leave it, flagged; the database already knows it is handled
        client.add_flags(list(uids), [b"\\Seen", PROCESSED_FLAG])
    report.moved += len(uids)


def _body(client: IMAPClient, uid: int, limit: int | None) -> bytes | None:
    item = f"BODY.PEEK[]<0.{limit}>" if limit else "BODY.PEEK[]"
    data: dict[bytes, Any] = client.fetch([uid], [item]).get(uid, {})
    for key, value in data.items():
        if key.startswith(b"BODY[]") and isinstance(value, bytes):
            return value
    return None


def _open(conf: BounceMailboxSettings, context: ssl.SSLContext | None, report: MailboxReport) -> IMAPClient:
    where = f"{conf.imap_host}:{conf.imap_port}"
    context = context or ssl.create_default_context()
    try:
        client = IMAPClient(
            conf.imap_host,
            port=conf.imap_port,
            ssl=conf.security == Security.TLS,
            ssl_context=context,
            timeout=conf.timeout,
        )
    except ssl.SSLError as exc:
        raise MailboxError(_tls_refused(where, exc)) from None
    except (OSError, IMAPClientError) as exc:
        raise MailboxError(
            f"impossible de joindre le serveur IMAP {where} ({_said(exc)}) : vérifiez [subscribers.bounces] "
            "imap_host, imap_port et security"
        ) from None
    try:
        if conf.security == Security.STARTTLS:
            client.starttls(context)
        client.login(conf.username, conf.password)
    except LoginError:
        _close(client)
        raise MailboxError(
            f"le serveur IMAP {where} a refusé l'identifiant « {conf.username} » : vérifiez [subscribers.bounces] "
            "username et le mot de passe (RELAIS_BOUNCES_PASSWORD)"
        ) from None
    except ssl.SSLError as exc:
        _close(client)
        raise MailboxError(_tls_refused(where, exc)) from None
    except (IMAPClientError, OSError) as exc:
        _close(client)
        raise _failure(conf, exc, report) from None
    return client


def _tls_refused(where: str, exc: ssl.SSLError) -> str:
    return (
        f"la connexion TLS au serveur IMAP {where} a échoué ({_said(exc)}) : son certificat doit être valable pour "
        "imap_host et signé par une autorité que cette machine reconnaît ; vérifiez aussi [subscribers.bounces] "
        "security et imap_port (tls : 993, starttls : 143)"
    )


def _close(client: IMAPClient) -> None:
    """Log out politely; when the connection is gone already, just close the socket."""
    try:
        client.logout()
    except Exception:  # the server or the network dropped us: nothing more to say to it
        with contextlib.suppress(Exception):
            client.shutdown()


def _failure(conf: BounceMailboxSettings, exc: BaseException, report: MailboxReport) -> MailboxInterrupted:
    where = f"{conf.imap_host}:{conf.imap_port}"
    if isinstance(exc, socket.timeout | TimeoutError):
        what = f"le serveur IMAP {where} ne répond plus (rien reçu en {conf.timeout:g} s)"
    elif isinstance(exc, ssl.SSLError):
        what = f"la connexion TLS au serveur IMAP {where} a échoué ({_said(exc)})"
    elif isinstance(exc, OSError | imaplib.IMAP4.abort):
        what = f"la connexion au serveur IMAP {where} a été coupée ({_said(exc)})"
    else:
        what = f"le serveur IMAP {where} a refusé une commande ({_said(exc)})"
    done = (
        f"{report.messages} message(s) lu(s) et enregistré(s) avant la coupure ; les autres restent dans "
        f"« {conf.folder} » et seront lus au prochain passage, aucun ne sera traité deux fois"
    )
    return MailboxInterrupted(f"{what} : {done}", report)


def _said(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _delimiter(client: IMAPClient) -> str:
    if client.has_capability("NAMESPACE"):
        personal = client.namespace().personal
        if personal and personal[0][1]:
            delimiter = personal[0][1]
            return delimiter.decode() if isinstance(delimiter, bytes) else str(delimiter)
    return "/"


def _server_name(name: str, delimiter: str) -> str:
    """``Relais/Traités`` as the server writes a sub-folder (``Relais.Traités`` on Dovecot's Maildir++)."""
    return name.replace("/", delimiter) if delimiter != "/" else name
