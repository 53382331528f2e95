"""What staff do to subscribers from the admin: search, look, edit, suppress, lift a suppression, erase.

Every change is written to the consent log with origin ``admin`` and the staff member's address (``by``), so
the proof of consent also shows who acted for the person.

view       subscriber | consent log | bounces | ledger counts | suppression
edit       parse against taxonomy | save | log admin_edit before/after
suppress   suppression entry "staff" | log suppress        (sending skips suppressed addresses)
unsuppress may_lift(reason)? | lift | bounced → confirmed | log admin_edit
erase      log erase | hashed suppression "erased" | void links | delete the row
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.clock import Clock
from core.errors import InvalidInput
from core.model import ConsentAction, ConsentOrigin, Subscriber, SubscriberStatus
from core.states import can_move
from storage.database import Database
from storage.subscriber_search import SearchPage, SearchQuery, deliveries_by_status, search, suppression
from storage.subscribers import SubscriberRepository
from subscribers.preferences import Choices, keep_alerts, parse_preferences
from subscribers.service import parse_organisation

STAFF_REASON = "staff"
# Who may lift what: staff lift their own suppressions and bounces (an address fixed, a mailbox back); a
# complaint, an unsubscription or an erasure was the person's own act and only the person can undo it.
LIFTABLE_BY_STAFF = frozenset({STAFF_REASON, "hard_bounce", "soft_bounces"})
REASON_LABELS = {
    STAFF_REASON: "suspendue par l'équipe",
    "hard_bounce": "rejet définitif",
    "soft_bounces": "rejets temporaires répétés",
    "complaint": "plainte (signalement de spam)",
    "unsubscribed": "désinscription",
    "erased": "effacement RGPD",
}


def may_lift(reason: str | None) -> bool:
    """Whether staff may lift a suppression with this reason. Pure."""
    return reason in LIFTABLE_BY_STAFF


@dataclass(frozen=True, slots=True)
class SubscriberFile:
    """Everything the staff page shows about one subscriber."""

    subscriber: Subscriber
    consent_log: list[dict[str, Any]]
    bounces: list[dict[str, Any]]
    deliveries: dict[str, int]
    suppressed_reason: str | None
    suppressed_at: datetime | None

    @property
    def deliveries_total(self) -> int:
        return sum(self.deliveries.values())

    @property
    def can_unsuppress(self) -> bool:
        return may_lift(self.suppressed_reason)


class StaffTools:
    def __init__(self, db: Database, clock: Clock, choices: Choices) -> None:
        self.db, self.clock, self.choices = db, clock, choices

    def search(self, query: SearchQuery) -> SearchPage:
        with self.db.session() as s:
            return search(s, query)

    def view(self, subscriber_id: int) -> SubscriberFile:
        """The subscriber with their consent log, bounces, ledger counts and suppression; NotFound if gone."""
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            sub = repo.get(subscriber_id)
            suppressed = suppression(s, sub.email)
            return SubscriberFile(
                sub,
                repo.consent_events(subscriber_id),
                repo.bounces(subscriber_id),
                deliveries_by_status(s, subscriber_id),
                suppressed[0] if suppressed else None,
                suppressed[1] if suppressed else None,
            )

    def edit(
        self,
        subscriber_id: int,
        values: Mapping[str, Sequence[str]],
        *,
        frequency: str,
        name: str,
        organisation_type: str,
        by: str,
    ) -> Subscriber:
        """Replace preferences, name and organisation type; InvalidInput (nothing saved) on an unknown value."""
        if not any(v.strip() for v in values.get("streams", ())):
            raise InvalidInput("cochez au moins un envoi (sinon, suspendez l'adresse)")
        parse_preferences(values, self.choices, frequency=frequency)  # refused before anything is read
        org = parse_organisation(organisation_type)
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            sub = repo.get(subscriber_id)
            prefs = parse_preferences(keep_alerts(values, sub.preferences), self.choices, frequency=frequency)
            before = {
                "preferences": sub.preferences.to_json(),
                "name": sub.name,
                "org": str(sub.organisation_type or ""),
            }
            sub.preferences, sub.name, sub.organisation_type = prefs, name.strip()[:200] or None, org
            after = {"preferences": prefs.to_json(), "name": sub.name, "org": str(org or "")}
            if after == before:
                return sub
            repo.save(sub)
            repo.log(
                sub, ConsentAction.ADMIN_EDIT, ConsentOrigin.ADMIN, self.clock.now(),
                details={"by": by, "before": before, "after": after},
            )  # fmt: skip
            return sub

    def suppress(self, subscriber_id: int, *, by: str, note: str = "") -> None:
        """Put the address on the suppression list: no message goes to it, even of an issue being sent."""
        now = self.clock.now()
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            sub = repo.get(subscriber_id)
            reason = repo.suppression_reason(sub.email)
            if reason is not None:
                raise InvalidInput(f"adresse déjà suspendue ({REASON_LABELS.get(reason, reason)})")
            repo.suppress(sub.email, STAFF_REASON, now)
            details = {"reason": STAFF_REASON, "by": by, "note": note.strip()[:500]}
            repo.log(sub, ConsentAction.SUPPRESS, ConsentOrigin.ADMIN, now, details=details)

    def unsuppress(self, subscriber_id: int, *, by: str) -> Subscriber:
        """Lift a suppression staff may lift (see :data:`LIFTABLE_BY_STAFF`); a bounced address is confirmed again."""
        now = self.clock.now()
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            sub = repo.get(subscriber_id)
            reason = repo.suppression_reason(sub.email)
            if reason is None:
                raise InvalidInput("cette adresse n'est pas suspendue")
            if not may_lift(reason):
                raise InvalidInput(
                    f"suspension impossible à lever par l'équipe ({REASON_LABELS.get(reason, reason)}) : "
                    "seule la personne peut se réinscrire"
                )
            repo.lift_suppression(sub.email)
            status_before = sub.status
            if sub.status == SubscriberStatus.BOUNCED and can_move(sub.status, SubscriberStatus.CONFIRMED):
                sub.status = SubscriberStatus.CONFIRMED
            sub.soft_bounces = 0
            repo.save(sub)
            details = {"lifted": reason, "by": by, "status_before": str(status_before), "status": str(sub.status)}
            repo.log(sub, ConsentAction.ADMIN_EDIT, ConsentOrigin.ADMIN, now, details=details)
            return sub

    def erase(self, subscriber_id: int, *, by: str) -> str:
        """RGPD erasure on the person's request: as the self-service one, logged as done by staff.

        Returns the erased address (to tell the staff member which one went).
        """
        now = self.clock.now()
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            sub = repo.get(subscriber_id)
            repo.log(sub, ConsentAction.ERASE, ConsentOrigin.ADMIN, now, details={"by": by})
            repo.suppress(sub.email, "erased", now)
            repo.bump_token_version(subscriber_id)
            repo.delete(subscriber_id)
            return sub.email
