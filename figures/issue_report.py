"""One issue's report: what happened to its messages, who left because of it, which items were read, and how its
rates stand against the bulk senders' rules of Gmail and Yahoo (complaints under 0.3 %, aim under 0.1 %).

Pure: the facts read by :mod:`storage.issue_report` in, a :class:`IssueReport` out, with its CSV (through
:class:`core.csvcells.SafeWriter`), its JSON and its SVG chart (:mod:`figures.svg`, as on the key figures page).

Unsubscribes are attributed to one issue each: the one whose message carried the link followed. The link records
when it was made (the message's composition), which falls between the delivery's queueing and its end; a link
logged before that record existed goes to the last message the person received before leaving.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.csvcells import SafeWriter
from core.model import DeliveryStatus
from digest.sections import heading
from figures.svg import Bar, hbars
from storage.issue_report import IssueFacts, Sent, Unsubscribe

COMPLAINT_LIMIT = 0.003  # Gmail and Yahoo (February 2024): at or over 0.3 %, bulk mail is refused or filtered
COMPLAINT_TARGET = 0.001  # Gmail's advice: stay under 0.1 %
_SLACK = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ItemRead:
    item_id: int
    title: str
    section: str
    clicks: int


@dataclass(frozen=True, slots=True)
class IssueReport:
    issue_id: int
    title: str
    recipients: int
    accepted: int
    deferred: int  # still waiting for another attempt
    failed: int
    bounced_hard: int
    bounced_soft: int
    complaints: int
    unsubscribes: int
    clicks: int
    complaint_rate: float  # of accepted messages
    bounce_rate: float  # hard bounces of recipients
    unsubscribe_rate: float  # of accepted messages
    items: list[ItemRead] = field(default_factory=list)  # most read first
    warnings: list[str] = field(default_factory=list)  # French, one sentence each

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["thresholds"] = {"complaint_limit": COMPLAINT_LIMIT, "complaint_target": COMPLAINT_TARGET}
        return out


def _owner(u: Unsubscribe, sent: Sequence[Sent]) -> int | None:
    """The issue whose message carried the link ``u`` followed, or None (a link from elsewhere)."""
    mine = [d for d in sent if d.subscriber_id == u.subscriber_id and d.queued_at is not None]
    if u.link_issued_at is not None:
        made = u.link_issued_at
        for d in mine:
            assert d.queued_at is not None
            end = (d.finished_at or made) + _SLACK
            if d.queued_at - _SLACK <= made <= end:
                return d.issue_id
        return None
    received = [
        d for d in mine if d.status == DeliveryStatus.ACCEPTED and d.finished_at is not None and d.finished_at <= u.at
    ]
    return max(received, key=lambda d: d.finished_at or u.at).issue_id if received else None


def attributed(issue_id: int, unsubscribes: Sequence[Unsubscribe], sent: Sequence[Sent]) -> int:
    """How many people unsubscribed by a link of ``issue_id``'s messages (a person counts once)."""
    return len({u.subscriber_id for u in unsubscribes if _owner(u, sent) == issue_id})


def _rate(n: int, of: int) -> float:
    return round(n / of, 6) if of else 0.0


def percent(rate: float) -> str:
    return f"{rate * 100:.2f}".replace(".", ",") + " %"


def warnings(complaint_rate: float, complaints: int) -> list[str]:
    if complaints and complaint_rate >= COMPLAINT_LIMIT:
        return [
            f"Plaintes : {percent(complaint_rate)} des messages remis, au-delà du seuil de 0,3 % de Gmail et "
            "Yahoo : leurs messageries refuseront ou classeront en indésirables les prochains envois. Avant le "
            "prochain envoi, retirez les adresses inactives et vérifiez que chacun a bien demandé à recevoir ces "
            "messages."
        ]
    if complaints and complaint_rate >= COMPLAINT_TARGET:
        return [
            f"Plaintes : {percent(complaint_rate)} des messages remis, au-delà des 0,1 % que Gmail recommande "
            "(seuil de blocage : 0,3 %)."
        ]
    return []


def build(issue_id: int, title: str, facts: IssueFacts, clicks: dict[int, int]) -> IssueReport:
    st = facts.statuses
    recipients = sum(n for s, n in st.items() if s != DeliveryStatus.SKIPPED)
    accepted = st.get(DeliveryStatus.ACCEPTED, 0)
    unsubscribes = attributed(issue_id, facts.unsubscribes, facts.deliveries)
    items = sorted(
        (ItemRead(i.item_id, i.title, heading(i.section), clicks.get(i.item_id, 0)) for i in facts.items),
        key=lambda r: -r.clicks,
    )
    complaint_rate = _rate(facts.complaints, accepted)
    return IssueReport(
        issue_id=issue_id,
        title=title,
        recipients=recipients,
        accepted=accepted,
        deferred=st.get(DeliveryStatus.DEFERRED, 0),
        failed=st.get(DeliveryStatus.FAILED, 0),
        bounced_hard=facts.bounced_hard,
        bounced_soft=facts.bounced_soft,
        complaints=facts.complaints,
        unsubscribes=unsubscribes,
        clicks=sum(clicks.values()),
        complaint_rate=complaint_rate,
        bounce_rate=_rate(facts.bounced_hard, recipients),
        unsubscribe_rate=_rate(unsubscribes, accepted),
        items=items,
        warnings=warnings(complaint_rate, facts.complaints),
    )


def lines(r: IssueReport) -> list[tuple[str, str, int | float]]:
    """(key, French label, value) of every figure, in reading order: the table, the CSV and the CLI."""
    return [
        ("recipients", "Destinataires", r.recipients),
        ("accepted", "Remis au serveur destinataire", r.accepted),
        ("deferred", "En attente d'un nouvel essai", r.deferred),
        ("failed", "En échec", r.failed),
        ("bounced_hard", "Rejets définitifs", r.bounced_hard),
        ("bounced_soft", "Rejets temporaires", r.bounced_soft),
        ("complaints", "Plaintes (signalements de spam)", r.complaints),
        ("unsubscribes", "Désinscriptions par les liens de ce numéro", r.unsubscribes),
        ("clicks", "Clics sur les contenus", r.clicks),
        ("complaint_rate", "Taux de plaintes (seuil Gmail et Yahoo : 0,3 %)", r.complaint_rate),
        ("bounce_rate", "Taux de rejets définitifs", r.bounce_rate),
        ("unsubscribe_rate", "Taux de désinscription", r.unsubscribe_rate),
    ]


def _fr(value: int | float) -> str:
    return f"{value:.10g}".replace(".", ",") if isinstance(value, float) else str(value)


def to_csv(r: IssueReport) -> str:
    """UTF-8 with a BOM, ``;`` and a decimal comma, like the key figures' CSV; then one line per item."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = SafeWriter(buf, number=_fr, delimiter=";", lineterminator="\r\n")
    w.writerow(["clé", "libellé", "valeur"])
    for key, label, value in lines(r):
        w.writerow([key, label, value])
    w.writerow([])
    w.writerow(["contenu", "rubrique", "clics"])
    for it in r.items:  # titles come from sources: neutralised against spreadsheet formulas
        w.writerow([it.title, it.section, it.clicks])
    return buf.getvalue()


def clicks_chart(r: IssueReport, limit: int = 10) -> str:
    """The most-read items as horizontal bars, drawn like the key figures' charts."""
    bars = [Bar(it.title, it.clicks, str(it.clicks)) for it in r.items[:limit] if it.clicks]
    return hbars(f"rapport-{r.issue_id}-clics", "Contenus les plus lus (clics)", bars)


def outcome_chart(r: IssueReport) -> str:
    bars = [
        Bar("Remis", r.accepted, str(r.accepted)),
        Bar("Rejets définitifs", r.bounced_hard, str(r.bounced_hard)),
        Bar("Rejets temporaires", r.bounced_soft, str(r.bounced_soft)),
        Bar("Plaintes", r.complaints, str(r.complaints)),
        Bar("Désinscriptions", r.unsubscribes, str(r.unsubscribes)),
    ]
    return hbars(f"rapport-{r.issue_id}-envoi", "Ce que sont devenus les messages", bars)


def is_recent(sent_at: datetime | None, now: datetime, days: int = 30) -> bool:
    return sent_at is not None and now - sent_at <= timedelta(days=days)
