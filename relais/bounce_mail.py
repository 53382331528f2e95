"""Reading the bounce mailbox: one function for the scheduler's job and for ``relais bounces fetch``."""

from __future__ import annotations

import ssl

from core.errors import InvalidInput
from relais.wiring import Services, build_subscribers
from subscribers.imap_bounces import MailboxReport, read_mailbox


def read_bounce_mailbox(services: Services, *, ssl_context: ssl.SSLContext | None = None) -> MailboxReport:
    """One pass over ``[subscribers.bounces]``: bounces and complaints suppress, ``List-Unsubscribe`` mailto
    requests unsubscribe (like a one-click POST). Raises :class:`core.errors.MailboxError` in French."""
    kits = [build_subscribers(net) for net in services.networks()] if services.several_networks else []
    kit = build_subscribers(services)

    def unsubscribe(token: str) -> None:
        """A link of any network: each signs its own, and only its own service accepts it."""
        for other in kits:
            try:
                other.service.unsubscribe(token, one_click=True)
                return
            except InvalidInput:
                continue
        kit.service.unsubscribe(token, one_click=True)

    return read_mailbox(services.settings.subscribers.bounces, kit.bounces, unsubscribe=unsubscribe,
                        ssl_context=ssl_context)  # fmt: skip


def summary(report: MailboxReport) -> str:
    """The pass in one French sentence."""
    kinds = {"hard": 0, "soft": 0, "complaint": 0}
    for _, kind in report.recorded:
        kinds[kind] = kinds.get(kind, 0) + 1
    return (
        f"{report.messages} message(s) lu(s) dans {report.mailbox} : {kinds['hard']} rejet(s) définitif(s), "
        f"{kinds['soft']} rejet(s) temporaire(s), {kinds['complaint']} plainte(s), "
        f"{len(report.unknown)} adresse(s) inconnue(s), {report.unsubscribed} désinscription(s) par e-mail "
        f"({report.refused} refusée(s)), {report.moved} rangé(s) ; {report.unclassified} laissé(s) pour une "
        f"personne{f', {report.truncated} trop gros (seul le début lu)' if report.truncated else ''}"
    )
