"""Members' proposals, one orchestrator per step; the checks are pure (:mod:`curation.proposal_form`).

submit   form | honeypot? | check every field | limits per network address and per contact address | image
         checked and re-encoded | store the image (0600) then the pending proposal | after the answer: the
         confirmation email (a signed link)
confirm  link | verify (signature, age, still pending) | the item's fields | the watch's enrichment (dates read from
         the text for what the member left empty, tag suggestions with their reasons) | a ``new`` item whose source
         is « Proposition d'un membre — <organisation> » | the proposal confirmed, in one transaction
notify   proposals whose item an editor approved or rejected | email the proposer (published: the link to the
         public site; declined: the editor's reason, if any) | told once, then the address and network address
         are forgotten (the form says the address serves only this)
purge    pending proposals older than the confirmation delay deleted, with their images

Nothing reaches the editors before the contact confirms; nothing is stored when a field is refused.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, URLSafeSerializer

from core.clock import Clock
from core.errors import InvalidInput, MailError, NotFound
from core.model import (
    Item,
    ItemAction,
    ItemKind,
    ItemSource,
    ItemStatus,
    Proposal,
    ProposalStatus,
    Source,
    SourceKind,
    Subscriber,
)
from core.settings import ProposalsSettings
from core.states import move
from curation import proposal_images as images
from curation.proposal_form import SOURCE_NAME, CheckedProposal, ProposalRefused, Vocabulary, check_form
from storage.database import Database
from storage.items import ItemRepository
from storage.proposals import ProposalRepository
from storage.sources import SourceRepository
from watch.entry import Entry
from watch.outbound import OutboundPolicy
from watch.parse import enrich
from watch.tags import _Compiled

log = logging.getLogger("relais.proposals")
Later = Callable[[Callable[[], None]], None]
SALT = "relais.proposals.confirm"
MEMBER = "member"  # field_origins of what the member filled in; the actor of the item's first event
CONFIRM, PUBLISHED, DECLINED = "proposal_confirm", "proposal_published", "proposal_declined"


class ProposalMailer(Protocol):
    """The system mail path (subscribers' ``SystemMailer``): the addressee stands in as a subscriber."""

    def send(self, kind: str, subscriber: Subscriber, links: dict[str, str]) -> None: ...


class Limiter(Protocol):
    """A sliding-window limit per key (``subscribers.ratelimit.RateLimiter``, wired by the composition root)."""

    def hit(self, key: str) -> bool: ...


class ProposalLimited(InvalidInput):
    """Too many proposals from one network address or one contact address; the web answers 429."""


class ProposalLinkError(InvalidInput):
    """A confirmation link forged, expired or already used; the web answers 400."""


@dataclass(slots=True)
class Submission:
    """What the form posted: text fields, the ticked lists, the image's bytes (None: no image)."""

    form: Mapping[str, Any]
    lists: Mapping[str, Sequence[str]] = field(default_factory=dict)
    image: bytes | None = None


def _hash(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class ProposalLinks:
    """Signed confirmation links (itsdangerous, their own salt): the proposal's id, the start of its contact's
    address hash and when it was made."""

    secret_key: str
    base_url: str

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret_key, salt=SALT)

    def confirm_url(self, proposal: Proposal, now: datetime) -> str:
        token = self._serializer().dumps([proposal.id, _hash(proposal.email), int(now.timestamp())])
        return f"{self.base_url.rstrip('/')}/propose/confirm/{token}"

    def read(self, token: str, now: datetime, valid_for: timedelta) -> tuple[int, str]:
        """(proposal id, address hash start) of a well-signed, unexpired token, else :class:`ProposalLinkError`."""
        try:
            pid, hashed, issued = self._serializer().loads(token)
            pid, issued = int(pid), int(issued)
        except (BadSignature, ValueError, TypeError):
            raise ProposalLinkError("ce lien n'est pas valide (il a peut-être été mal copié)") from None
        if now.timestamp() - issued > valid_for.total_seconds():
            raise ProposalLinkError("ce lien de confirmation a expiré : proposez à nouveau votre contenu")
        return pid, str(hashed)


@dataclass
class ProposalService:
    db: Database
    clock: Clock
    settings: ProposalsSettings
    vocabulary: Vocabulary
    policy: OutboundPolicy
    links: ProposalLinks
    mailer: ProposalMailer
    images_dir: Path
    per_ip: Limiter
    per_address: Limiter
    timezone: str = "Europe/Paris"
    site_url: str = ""
    rules: Sequence[_Compiled] = ()
    source_label: str = SOURCE_NAME  # « Proposition d'un membre », with the network's name among several

    # -- submit ---------------------------------------------------------------------------------------------
    def submit(self, sub: Submission, ip: str | None = None, *, later: Later | None = None) -> Proposal | None:
        """Check, limit, store a pending proposal and (after the answer) mail its confirmation link. A bot filling
        the hidden field gets the same answer and nothing is stored or sent (None)."""
        if str(sub.form.get("website") or "").strip():
            return None
        now = self.clock.now()
        checked = check_form(sub.form, sub.lists, self.vocabulary, self.policy, now=now, tz=ZoneInfo(self.timezone))
        if ip and not self.per_ip.hit(ip):
            raise ProposalLimited("trop de propositions depuis cette adresse réseau : réessayez dans une heure")
        if not self.per_address.hit(checked.email):
            raise ProposalLimited(
                "trop de propositions pour cette adresse électronique en une heure : confirmez celles déjà "
                "envoyées (un email vous attend) ou réessayez plus tard"
            )
        clean = images.reencode(sub.image, max_bytes=self.settings.max_image_bytes) if sub.image else None
        name = images.store(self.images_dir, clean) if clean else None
        try:
            with self.db.session() as s:
                proposal = ProposalRepository(s).save(self._pending(checked, name, ip, now))
        except BaseException:
            images.remove(self.images_dir, name)  # nothing half-stored: no image without its proposal
            raise
        (later or _now)(partial(self._send_confirmation, proposal))
        return proposal

    def _pending(self, checked: CheckedProposal, image: str | None, ip: str | None, now: datetime) -> Proposal:
        return Proposal(email=checked.email, organisation=checked.organisation, fields=checked.fields,
                        image_name=image, ip=ip, created_at=now)  # fmt: skip

    def _send_confirmation(self, proposal: Proposal) -> None:
        url = self.links.confirm_url(proposal, self.clock.now())
        try:
            self.mailer.send(CONFIRM, Subscriber(email=proposal.email), {"confirm": url, **_about(proposal)})
        except MailError as exc:
            log.warning("proposals.confirm_mail_failed", extra={"proposal": proposal.id, "error": str(exc)})

    # -- confirm --------------------------------------------------------------------------------------------
    def check_link(self, token: str) -> Proposal:
        """The pending proposal a link confirms (GET shows it; nothing changes)."""
        pid, hashed = self.links.read(token, self.clock.now(), self.valid_for)
        with self.db.session() as s:
            proposal = _named(ProposalRepository(s), pid, hashed)
        if proposal.status != ProposalStatus.PENDING:
            raise ProposalLinkError("cette proposition est déjà confirmée : l'équipe l'a reçue")
        return proposal

    def confirm(self, token: str) -> Item:
        """The contact followed the link: the proposal becomes a ``new`` item in triage (once)."""
        pid, hashed = self.links.read(token, self.clock.now(), self.valid_for)
        now = self.clock.now()
        with self.db.session() as s:
            repo = ProposalRepository(s)
            _named(repo, pid, hashed)
            proposal = repo.lock(pid)
            if proposal.status != ProposalStatus.PENDING:
                raise ProposalLinkError("cette proposition est déjà confirmée : l'équipe l'a reçue")
            item = self.item_of(proposal, now)
            source = self._source(SourceRepository(s), proposal.organisation)
            assert source.id is not None
            items = ItemRepository(s)
            item.sources = [ItemSource(source.id, f"proposal:{proposal.id}", url=item.url, title=item.title,
                                       first_seen_at=now, last_seen_at=now)]  # fmt: skip
            items.add(item)
            assert item.id is not None
            items.log(item.id, at=now, actor=MEMBER, action=str(ItemAction.COLLECTED),
                      changes={"proposal": proposal.id, "organisation": proposal.organisation})  # fmt: skip
            proposal.status = move(proposal.status, ProposalStatus.CONFIRMED)
            proposal.confirmed_at, proposal.item_id = now, item.id
            repo.save(proposal)
        log.info("proposals.confirmed", extra={"proposal": proposal.id, "item": item.id})
        return item

    def item_of(self, proposal: Proposal, now: datetime) -> Item:
        """The item a proposal becomes, enriched as a collected item is (the watch's own enrichment)."""
        f = proposal.fields
        given = {k for k in ("title", "url", "body_html", "summary", "deadline", "starts_at", "ends_at", "place",
                             "tags") if f.get(k)}  # fmt: skip
        item = Item(
            kind=ItemKind(f["kind"]),
            title=str(f["title"]),
            url=f.get("url") or None,
            summary=str(f.get("summary") or ""),
            body_html=str(f.get("body_html") or ""),
            status=ItemStatus.NEW,
            published_at=now,
            collected_at=now,
            deadline=date.fromisoformat(f["deadline"]) if f.get("deadline") else None,
            starts_at=datetime.fromisoformat(f["starts_at"]) if f.get("starts_at") else None,
            ends_at=datetime.fromisoformat(f["ends_at"]) if f.get("ends_at") else None,
            place=f.get("place") or None,
            tags=list(f.get("tags") or []),
            field_origins=dict.fromkeys(given, MEMBER),
        )
        if proposal.image_name:
            item.image_url = f"{self.site_url.rstrip('/')}/propose/images/{proposal.image_name}"
            item.image_alt = str(f.get("image_alt") or "") or item.title
            item.field_origins["image_url"] = MEMBER
        enrich(Entry(f"proposal:{proposal.id}", item), reference=now, rules=self.rules)
        return item

    def _source(self, repo: SourceRepository, organisation: str) -> Source:
        """The source « Proposition d'un membre — <organisation> », made on first use; never collected."""
        name = f"{self.source_label} — {organisation}"[:200]
        try:
            return repo.by_name(name)
        except NotFound:
            return repo.save(Source(name=name, url=f"{self.site_url.rstrip('/')}/propose", kind=SourceKind.FEED,
                                    item_kind=ItemKind.NEWS, enabled=False, origin=MEMBER))  # fmt: skip

    # -- notify ---------------------------------------------------------------------------------------------
    def notify(self, item_ids: Sequence[int] | None = None) -> int:
        """Tell each proposer whose item an editor approved (published) or rejected (declined); once. Returns how
        many were told. A refused email leaves the proposal to the next run."""
        with self.db.reading() as s:  # after every approval: two SELECTs at most, no BEGIN and COMMIT
            repo = ProposalRepository(s)
            due = [(p, status, repo.rejection_reason(p.item_id) if status == "rejected" and p.item_id else "")
                   for p, status in repo.awaiting_outcome(item_ids)]  # fmt: skip
        told = 0
        for proposal, status, reason in due:
            published = status == ItemStatus.APPROVED
            links = {**_about(proposal), "site": self.site_url.rstrip("/") + "/"}
            if not published:
                links["reason"] = reason
            try:
                self.mailer.send(PUBLISHED if published else DECLINED, Subscriber(email=proposal.email), links)
            except MailError as exc:
                log.warning("proposals.outcome_mail_failed", extra={"proposal": proposal.id, "error": str(exc)})
                continue
            with self.db.session() as s:
                repo = ProposalRepository(s)
                current = repo.lock(proposal.id or 0)
                current.status = move(
                    current.status, ProposalStatus.PUBLISHED if published else ProposalStatus.DECLINED
                )
                current.decided_at, current.reason = self.clock.now(), reason
                current.email, current.ip = "", None  # its only use is over: the form promises no other
                repo.save(current)
            told += 1
        return told

    # -- purge ----------------------------------------------------------------------------------------------
    def purge_pending(self) -> int:
        """Proposals never confirmed within the delay are deleted, with their images."""
        cutoff = self.clock.now() - self.valid_for
        with self.db.session() as s:
            repo = ProposalRepository(s)
            stale = repo.pending_before(cutoff)
            repo.delete([p.id for p in stale if p.id is not None])
        for p in stale:
            images.remove(self.images_dir, p.image_name)
        return len(stale)

    def image_path(self, name: str) -> Path | None:
        return images.path_of(self.images_dir, name)

    @property
    def valid_for(self) -> timedelta:
        return timedelta(hours=self.settings.confirm_within_hours)


def _about(proposal: Proposal) -> dict[str, str]:
    return {"title": str(proposal.fields.get("title") or ""), "organisation": proposal.organisation}


def _named(repo: ProposalRepository, pid: int, hashed: str) -> Proposal:
    try:
        proposal = repo.get(pid)
    except NotFound:
        raise ProposalLinkError("ce lien n'est plus valable : la proposition a expiré, proposez-la à nouveau") from None
    if _hash(proposal.email) != hashed:
        raise ProposalLinkError("ce lien n'est plus valable")
    return proposal


def _now(job: Callable[[], None]) -> None:
    job()


__all__ = ["ProposalLimited", "ProposalLinkError", "ProposalLinks", "ProposalRefused", "ProposalService", "Submission"]
