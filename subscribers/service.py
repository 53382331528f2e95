"""The subscriber flows, each one orchestrator doing the I/O around pure decisions.

sign-up      form | honeypot? | rate limits | normalise | decide by current state | log
             | after the answer: confirmation email (sent, or made and dropped for a suppressed address)
confirm      link | verify | move to confirmed, apply asked preferences | log | welcome email
preferences  link | verify | parse against taxonomy | save | log before/after | email
unsubscribe  link | verify | drop a stream or everything (idempotent) | log | goodbye email
export       link | verify | the subscriber, consent log and bounces as JSON
erase        link | verify | hashed suppression | log by hash | delete the row (voids every link)
links        address | rate limits | after the answer: the preferences link, mailed to a confirmed subscriber
             (made and dropped for any other address)
purge        unconfirmed sign-ups older than the configured delay are deleted
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from core.clock import Clock
from core.errors import InvalidInput, MailError
from core.model import (
    ConsentAction,
    ConsentOrigin,
    OrganisationType,
    Preferences,
    Stream,
    Subscriber,
    SubscriberStatus,
)
from core.settings import SubscribersSettings
from core.states import can_move, move
from storage.database import Database
from storage.subscribers import SubscriberRepository, email_hash
from subscribers.addresses import normalise
from subscribers.links import (
    CONFIRM,
    MANAGE,
    UNSUBSCRIBE,
    VOID,
    Claims,
    Identity,
    IdentityBulk,
    IdentityLookup,
    InvalidLink,
    SubscriberLinks,
    UnreadableLink,
)
from subscribers.mailer import SystemMailer, rehearse
from subscribers.preferences import Choices, keep_alerts, parse_preferences
from subscribers.ratelimit import RateLimited, RateLimiter

log = logging.getLogger("relais.subscribers")

# Suppressions that a person's own confirmed sign-up may lift; bounces and complaints stay.
_LIFTABLE = {"erased", "unsubscribed"}
# Where work that must not delay the answer goes (the web: its response's background tasks; else run at once).
Later = Callable[[Callable[[], None]], None]


@dataclass(slots=True)
class SignupForm:
    email: str
    name: str = ""
    organisation_type: str = ""
    preferences: dict[str, list[str]] = field(default_factory=dict)
    frequency: str = "monthly"
    honeypot: str = ""  # a field hidden from people; bots fill it


def parse_organisation(value: str) -> OrganisationType | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return OrganisationType(value)
    except ValueError:
        allowed = ", ".join(OrganisationType)
        raise InvalidInput(f"type d'organisation inconnu : {value!r} (attendu : {allowed})") from None


def _require_a_stream(values: Mapping[str, Sequence[str]]) -> None:
    """On a form, ticking no stream at all (and asking for no alerts) is a mistake to point out, not a silent
    "everything"."""
    alerts = any(v.strip() not in ("", "never") for v in values.get("alerts", ()))
    if "streams" in values and not any(v.strip() for v in values["streams"]) and not alerts:
        raise InvalidInput("cochez au moins un envoi, ou désinscrivez-vous de tous les envois")


def may_mail_signup(suppression: str | None, sub: Subscriber | None) -> bool:
    """May a sign-up form send this address a confirmation email? Not after a hard bounce or a complaint (the
    suppression list), nor to a subscriber whose state cannot become confirmed (complained: only staff can)."""
    if suppression is not None and suppression not in _LIFTABLE:
        return False
    return sub is None or sub.status == SubscriberStatus.PENDING or can_move(sub.status, SubscriberStatus.CONFIRMED)


def _now(job: Callable[[], None]) -> None:
    job()


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    """What an unsubscribe link did, for its answer page: the subscriber now, the link's stream, their page."""

    subscriber: Subscriber
    stream: Stream | None
    preferences_url: str


def unsubscribed(sub: Subscriber, target: Stream | None, now: datetime) -> Subscriber | None:
    """``sub`` without ``target`` (None: without anything), or None when that changes nothing. With no stream
    left, the subscriber is unsubscribed and the streams they had are remembered in case they come back."""
    streams = [x for x in sub.preferences.streams if x != target] if target is not None else []
    if streams:
        return (
            None
            if streams == sub.preferences.streams
            else replace(sub, preferences=replace(sub.preferences, streams=streams))
        )
    if sub.status == SubscriberStatus.UNSUBSCRIBED:
        return None
    return replace(sub, status=move(sub.status, SubscriberStatus.UNSUBSCRIBED), unsubscribed_at=now)


def identity_lookup(db: Database) -> IdentityLookup:
    """The :data:`subscribers.links.IdentityLookup` reading the database."""

    def lookup(subscriber_id: int) -> Identity | None:
        with db.reading() as s:  # one SELECT: no BEGIN and COMMIT round trips (each link made, each confirmation)
            found = SubscriberRepository(s).identity(subscriber_id)
        return Identity(found[0], email_hash(found[1])) if found else None

    return lookup


def identity_bulk(db: Database) -> IdentityBulk:
    """The :data:`subscribers.links.IdentityBulk` reading many subscribers in one query."""

    def lookup(subscriber_ids: Sequence[int]) -> dict[int, Identity]:
        with db.reading() as s:
            found = SubscriberRepository(s).identities(subscriber_ids)
        return {sid: Identity(version, email_hash(email)) for sid, (version, email) in found.items()}

    return lookup


class SubscriberService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: SubscribersSettings,
        choices: Choices,
        links: SubscriberLinks,
        mailer: SystemMailer,
    ) -> None:
        self.db, self.clock, self.settings, self.choices = db, clock, settings, choices
        self.links, self.mailer = links, mailer
        hour = timedelta(hours=1)
        self.per_ip = RateLimiter(settings.signup_rate_per_ip_per_hour, hour, clock)
        self.per_address = RateLimiter(settings.signup_rate_per_address_per_hour, hour, clock)

    # -- sign-up and confirmation -----------------------------------------------------------------------------
    def signup(self, form: SignupForm, ip: str | None = None, *, later: Later | None = None) -> None:
        """Answer the same, and in the same time, whether the address is new, known or suppressed.

        Only the confirmation link changes anything. The confirmation email is made after the answer, through
        ``later`` (the web hands over its response's background tasks; by default: now), for every address: a
        deliverable one gets it sent; a suppressed one (hard bounce, complaint), a complaining subscriber or an
        address over its hourly limit gets the same email made and dropped, so neither the answer nor its timing
        tells which addresses are on the suppression list.
        """
        if form.honeypot.strip():
            return  # a bot: say nothing, send nothing
        email = normalise(form.email)
        _require_a_stream(form.preferences)
        prefs = parse_preferences(form.preferences, self.choices, frequency=form.frequency)
        org = parse_organisation(form.organisation_type)
        if ip and not self.per_ip.hit(ip):
            raise RateLimited("trop de demandes depuis cette adresse réseau : réessayez dans une heure")
        within_limit = self.per_address.hit(email)  # over it: the address already got its emails this hour
        name = form.name.strip()[:200] or None
        asked = {"preferences": prefs.to_json(), "name": name or "", "org": str(org or "")}
        now = self.clock.now()
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            reason = repo.suppression_reason(email)
            sub = repo.by_email(email)
            deliver = within_limit and may_mail_signup(reason, sub)
            if deliver:
                if sub is None:
                    sub = Subscriber(email=email, name=name, organisation_type=org, preferences=prefs)
                    sub.created_at = now
                    repo.save(sub)
                elif sub.status == SubscriberStatus.PENDING:
                    # Not counted yet: the latest form is what the confirmation will apply.
                    sub.name, sub.organisation_type, sub.preferences = name, org, prefs
                    repo.save(sub)
                repo.log(
                    sub, ConsentAction.SIGNUP, ConsentOrigin.FORM, now,
                    ip=ip, wording_version=self.settings.consent_wording_version,
                    details={"asked": asked},
                )  # fmt: skip
        if deliver and sub is not None:
            (later or _now)(partial(self._send_confirmation, sub, asked))
        else:
            stand_in = Subscriber(email=email, name=name, organisation_type=org, preferences=prefs)
            (later or _now)(partial(self._rehearse_confirmation, stand_in, asked))

    def send_links(self, email: str, ip: str | None = None, *, later: Later | None = None) -> None:
        """Mail a subscriber the links to their preferences page and to unsubscribe (the archive's and the home
        page's way back to them). Answers the same, in the same time, whatever the address: only a confirmed,
        deliverable subscriber within the hourly limits gets the email; any other address gets it made and dropped.
        """
        address = normalise(email)
        if ip and not self.per_ip.hit(ip):
            raise RateLimited("trop de demandes depuis cette adresse réseau : réessayez dans une heure")
        within_limit = self.per_address.hit(address)
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            reason = repo.suppression_reason(address)
            sub = repo.by_email(address)
        if within_limit and reason is None and sub is not None and sub.status == SubscriberStatus.CONFIRMED:
            (later or _now)(partial(self._send_links, sub))
        else:
            url = self.links.stand_in_confirm_url(email_hash(address))  # as long as a real link: same cost
            links = {"preferences": url, "unsubscribe": url}
            (later or _now)(partial(rehearse, self.mailer, "links", Subscriber(email=address), links))

    def _send_links(self, sub: Subscriber) -> None:
        try:
            self._mail("links", sub)
        except MailError as exc:  # the answer is given already; the person may ask again
            log.warning("subscribers.links_not_sent", extra={"subscriber_id": sub.id, "error": str(exc)})

    def _send_confirmation(self, sub: Subscriber, asked: dict[str, Any]) -> None:
        assert sub.id is not None
        try:
            self.mailer.send("confirm", sub, {"confirm": self.links.confirm_url(sub.id, asked)})
        except MailError as exc:  # the answer is given already; the person may sign up again
            log.warning("subscribers.confirmation_not_sent", extra={"subscriber_id": sub.id, "error": str(exc)})

    def _rehearse_confirmation(self, stand_in: Subscriber, asked: dict[str, Any]) -> None:
        url = self.links.stand_in_confirm_url(email_hash(stand_in.email), asked)
        rehearse(self.mailer, "confirm", stand_in, {"confirm": url})

    def confirm(self, token: str, ip: str | None = None) -> Subscriber:
        """Follow a double opt-in link: the address counts from now, with the preferences asked on the form."""
        claims = self.links.verify(CONFIRM, token)
        now = self.clock.now()
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            sub = repo.get(claims.subscriber_id)
            already = sub.status == SubscriberStatus.CONFIRMED
            asked_prefs = claims.data.get("preferences")
            if already and (
                (sub.confirmed_at and claims.issued_at < sub.confirmed_at) or asked_prefs == sub.preferences.to_json()
            ):
                return sub  # a link older than the confirmation, or followed twice: nothing to do
            sub.status = move(sub.status, SubscriberStatus.CONFIRMED)
            asked = claims.data
            if "preferences" in asked:
                sub.preferences = Preferences.from_json(asked["preferences"])
                sub.name = asked.get("name") or sub.name
                sub.organisation_type = parse_organisation(asked.get("org", "")) or sub.organisation_type
            sub.confirmed_at, sub.unsubscribed_at, sub.soft_bounces = now, None, 0
            repo.save(sub)
            if repo.suppression_reason(sub.email) in _LIFTABLE:
                repo.lift_suppression(sub.email)
            repo.log(
                sub, ConsentAction.CONFIRM, ConsentOrigin.LINK, now,
                ip=ip, wording_version=self.settings.consent_wording_version,
                details={"preferences": sub.preferences.to_json(), "again": already},
            )  # fmt: skip
        self._mail("welcome", sub)
        return sub

    # -- the preferences centre -------------------------------------------------------------------------------
    def manage(self, token: str) -> Subscriber:
        """The subscriber a preferences link belongs to."""
        claims = self.links.verify(MANAGE, token)
        with self.db.session() as s:
            return SubscriberRepository(s).get(claims.subscriber_id)

    def manage_by_id(self, subscriber_id: int) -> Subscriber:
        """The subscriber a link already verified names."""
        with self.db.session() as s:
            return SubscriberRepository(s).get(subscriber_id)

    def update_preferences(
        self,
        token: str,
        values: Mapping[str, Sequence[str]],
        *,
        frequency: str = "monthly",
        name: str | None = None,
        organisation_type: str | None = None,
        ip: str | None = None,
    ) -> Subscriber:
        """Apply new preferences at once; the next message (even of an issue being sent) follows them."""
        claims = self.links.verify(MANAGE, token)
        _require_a_stream(values)
        org = parse_organisation(organisation_type) if organisation_type is not None else None
        now = self.clock.now()
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            sub = repo.get(claims.subscriber_id)
            before = sub.preferences.to_json()
            if "streams" not in values:  # a form without the streams keeps them (never re-enables a dropped one)
                values = {**values, "streams": before["streams"]}
            prefs = parse_preferences(keep_alerts(values, sub.preferences), self.choices, frequency=frequency)
            sub.preferences = prefs
            if name is not None:
                sub.name = name.strip()[:200] or None
            if organisation_type is not None:
                sub.organisation_type = org
            repo.save(sub)
            repo.log(
                sub, ConsentAction.PREFERENCES, ConsentOrigin.LINK, now,
                ip=ip, wording_version=self.settings.consent_wording_version,
                details={"before": before, "after": prefs.to_json()},
            )  # fmt: skip
        if sub.status == SubscriberStatus.CONFIRMED:
            self._mail("preferences", sub)
        return sub

    # -- unsubscribe ------------------------------------------------------------------------------------------
    def unsubscribe(
        self, token: str, *, stream: Stream | None = None, everything: bool = False, ip: str | None = None,
        one_click: bool = False, later: Later | None = None,
    ) -> Subscriber:  # fmt: skip
        """Drop one stream (the link's, or ``stream``) or everything. Idempotent; effective immediately.

        Unsubscribe links and preferences links both work here. A one-click POST (RFC 8058) sends no goodbye
        email: the mail client acted for the person, who expects silence; any other sends it through ``later``.
        """
        return self.unsubscribe_link(
            token, stream=stream, everything=everything, ip=ip, one_click=one_click, later=later
        ).subscriber

    def unsubscribe_link(
        self, token: str, *, stream: Stream | None = None, everything: bool = False, ip: str | None = None,
        one_click: bool = False, later: Later | None = None,
    ) -> Unsubscribed:  # fmt: skip
        """:meth:`unsubscribe`, with what the answer page shows. One transaction: from everything, it is one
        conditional UPDATE (the link's checks are its WHERE clause) and one consent row; from one stream, the row
        is read, then updated while the link still holds. The goodbye email goes through ``later``."""
        claims = self._unsubscribe_claims(token)  # the signature only: the row is checked by the statements below
        target = None if everything else (stream or claims.stream)
        now = self.clock.now()
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            dropped = ""  # the stream dropped, the others staying; else "all"
            if target is None:
                sub = repo.unsubscribe_everything(claims.subscriber_id, claims.token_version, now)
                if sub is not None and not claims.matches(Identity(claims.token_version, email_hash(sub.email))):
                    raise InvalidLink(VOID)  # the row's address is not the link's: rolled back
            else:
                sub, dropped = self._drop_stream(repo, claims, target, now)
            if sub is None:  # nothing changed: already done (said again, harmlessly), or a void link
                return self._unchanged(repo, claims)
            repo.log(
                sub, ConsentAction.UNSUBSCRIBE, ConsentOrigin.LINK, now,
                ip=ip, wording_version=self.settings.consent_wording_version,
                details={"stream": dropped or "all", "one_click": one_click,
                         "link_issued_at": claims.issued_at.isoformat()},  # which email's link (the issue report)
            )  # fmt: skip
        if sub.status == SubscriberStatus.UNSUBSCRIBED and not one_click:
            (later or _now)(partial(self._send_goodbye, sub))
        return self._answer(sub, claims)

    def _unsubscribe_claims(self, token: str) -> Claims:
        try:
            return self.links.read(UNSUBSCRIBE, token)
        except UnreadableLink:  # not an unsubscribe link: a preferences one? (a voided one says so, not "forged")
            return self.links.read(MANAGE, token)

    def _drop_stream(
        self, repo: SubscriberRepository, claims: Claims, target: Stream, now: datetime
    ) -> tuple[Subscriber | None, str]:
        found = repo.with_token_version(claims.subscriber_id)
        if found is None or not claims.matches(Identity(found[1], email_hash(found[0].email))):
            raise InvalidLink(VOID)
        before = found[0]
        after = unsubscribed(before, target, now)
        if after is None:
            return None, ""
        if not repo.save_if_link_holds(after, claims.token_version):
            raise InvalidLink(VOID)  # voided between the read and the write (an erasure, a staff action)
        return after, str(target) if after.status == before.status else ""

    def _unchanged(self, repo: SubscriberRepository, claims: Claims) -> Unsubscribed:
        found = repo.with_token_version(claims.subscriber_id)
        if found is None or not claims.matches(Identity(found[1], email_hash(found[0].email))):
            raise InvalidLink(VOID)
        return self._answer(found[0], claims)

    def _answer(self, sub: Subscriber, claims: Claims) -> Unsubscribed:
        assert sub.id is not None
        url = self.links.preferences_url_of(sub.id, Identity(claims.token_version, email_hash(sub.email)))
        return Unsubscribed(sub, claims.stream, url)

    def _send_goodbye(self, sub: Subscriber) -> None:
        try:
            self.mailer.send("goodbye", sub, {})
        except MailError as exc:  # the answer is given already; unsubscribed all the same
            log.warning("subscribers.goodbye_not_sent", extra={"subscriber_id": sub.id, "error": str(exc)})

    # -- RGPD -------------------------------------------------------------------------------------------------
    def export(self, token: str) -> dict[str, Any]:
        """Everything kept about the link's owner, for the self-service JSON download."""
        claims = self.links.verify(MANAGE, token)
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            sub = repo.get(claims.subscriber_id)
            return {
                "subscriber": sub,
                "consent_log": repo.consent_events(claims.subscriber_id),
                "bounces": repo.bounces(claims.subscriber_id),
            }

    def erase(self, token: str, ip: str | None = None) -> None:
        """Forget the person: only a hashed suppression entry remains, so no import brings the address back.

        The consent log keeps its rows (they hold the address's hash, not the address) as proof of what
        happened; deleting the subscriber row voids every link ever sent, since links name the row and hash.
        """
        claims = self.links.verify(MANAGE, token)
        now = self.clock.now()
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            sub = repo.get(claims.subscriber_id)
            repo.log(sub, ConsentAction.ERASE, ConsentOrigin.LINK, now, ip=ip)
            repo.suppress(sub.email, "erased", now)
            repo.bump_token_version(claims.subscriber_id)
            repo.delete(claims.subscriber_id)

    def purge_unconfirmed(self) -> int:
        """Delete sign-ups never confirmed within ``purge_unconfirmed_after_hours``; returns how many."""
        cutoff = self.clock.now() - timedelta(hours=self.settings.purge_unconfirmed_after_hours)
        with self.db.session() as s:
            repo = SubscriberRepository(s)
            stale = repo.pending_created_before(cutoff)
            for sub in stale:
                assert sub.id is not None
                repo.delete(sub.id)
            return len(stale)

    def _mail(self, kind: str, sub: Subscriber) -> None:
        assert sub.id is not None
        self.mailer.send(
            kind,
            sub,
            {"preferences": self.links.preferences_url(sub.id), "unsubscribe": self.links.unsubscribe_url(sub.id)},
        )
