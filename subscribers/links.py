"""Signed personal links: the only way into a subscriber's pages, no password.

A token is ``[purpose data…]`` signed with itsdangerous (one salt per purpose) and carries the subscriber id,
their ``token_version``, the start of their address's hash and the time it was made. A link is refused when the
signature is wrong, when the version was bumped (erasure, staff action), when the row is gone, or when a
confirmation link is older than ``confirm_within``. Ids are never reused (SQLite ``AUTOINCREMENT`` since migration
0005, PostgreSQL's sequence), so the link of an erased subscriber never names the row of whoever signs up next,
even with the same address (same hash); the address hash is checked as well, in case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeSerializer

from core.clock import Clock
from core.errors import InvalidInput
from core.model import Stream


class InvalidLink(InvalidInput):
    """A forged, expired or voided link. The web layer answers 400 with a clear page."""


class UnreadableLink(InvalidLink):
    """A token whose signature does not hold for this purpose (forged, mistyped, or made for another purpose)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """What a link must still match: the subscriber's current token version and address hash."""

    token_version: int
    email_hash: str


@dataclass(frozen=True, slots=True)
class Claims:
    subscriber_id: int
    issued_at: datetime
    stream: Stream | None = None
    data: dict[str, Any] = field(default_factory=dict)
    token_version: int = -1  # what the link was made with; a valid link still matches the subscriber's row
    hash_start: str = ""

    def matches(self, ident: Identity | None) -> bool:
        """Does the subscriber's current identity still match this link (not erased, not voided, same address)?"""
        return (
            ident is not None
            and ident.token_version == self.token_version
            and self.hash_start == ident.email_hash[:_HASH_CHARS]
        )


IdentityLookup = Callable[[int], Identity | None]
IdentityBulk = Callable[[Sequence[int]], dict[int, Identity]]  # many at once (a batch being sent)

CONFIRM, MANAGE, UNSUBSCRIBE = "confirm", "manage", "unsubscribe"
_HASH_CHARS = 12
VOID = "ce lien n'est plus valable"


class SubscriberLinks:
    """Makes and checks every personal link. ``identity`` reads the subscriber's current version and hash."""

    def __init__(
        self,
        secret_key: str,
        base_url: str,
        identity: IdentityLookup,
        clock: Clock,
        *,
        confirm_within: timedelta = timedelta(hours=72),
        mailto_address: str = "",
        identities: IdentityBulk | None = None,
    ) -> None:
        if not secret_key:
            raise ValueError("links need a secret key")
        self._secret = secret_key
        self.base_url = base_url.rstrip("/")
        self._identity = identity
        self._clock = clock
        self.confirm_within = confirm_within
        self.mailto_address = mailto_address
        self._identities = identities
        self._batch: dict[int, Identity] = {}  # identities loaded by prepare(), used to make links only
        self._tokens: dict[tuple[str, int, str], str] = {}  # the batch's tokens (URL and mailto share one)
        self._serializers: dict[str, URLSafeSerializer] = {}

    def prepare(self, subscriber_ids: Iterable[int]) -> None:
        """Load the identities of a batch about to be sent in one query, instead of one query per link.

        Links made for these subscribers until the next ``prepare`` use the identity as it was loaded here: an
        erasure meanwhile bumps ``token_version``, so such a link is void when followed (:meth:`verify` always
        reads the current identity), which is what an erased subscriber's link must be.
        """
        ids = list(subscriber_ids)
        self._batch = self._identities(ids) if self._identities is not None and ids else {}
        self._tokens = {}

    # -- making links -----------------------------------------------------------------------------------------
    def token(
        self, purpose: str, subscriber_id: int, *, stream: Stream | None = None, data: dict[str, Any] | None = None
    ) -> str:
        ident = self._batch.get(subscriber_id)
        if ident is None:
            ident = self._identity(subscriber_id)
        elif data is None:
            key = (purpose, subscriber_id, str(stream or ""))
            found = self._tokens.get(key)
            if found is None:
                found = self._tokens[key] = self._make(purpose, subscriber_id, ident, stream, data)
            return found
        return self._make(purpose, subscriber_id, ident, stream, data)

    def _make(
        self,
        purpose: str,
        subscriber_id: int,
        ident: Identity | None,
        stream: Stream | None,
        data: dict[str, Any] | None,
    ) -> str:
        if ident is None:
            raise InvalidLink(
                f"subscriber {subscriber_id} does not exist", code="subscriber_not_found", subscriber=subscriber_id
            )
        payload = [
            subscriber_id,
            ident.token_version,
            ident.email_hash[:_HASH_CHARS],
            int(self._clock.now().timestamp()),
            str(stream) if stream else "",
            data or {},
        ]
        return str(self._serializer(purpose).dumps(payload))

    def unsubscribe_url(self, subscriber_id: int, stream: Stream | None = None) -> str:
        """GET shows a confirmation page; POST (RFC 8058 one-click) unsubscribes at once."""
        return f"{self.base_url}/unsubscribe/{self.token(UNSUBSCRIBE, subscriber_id, stream=stream)}"

    def preferences_url(self, subscriber_id: int) -> str:
        return f"{self.base_url}/preferences/{self.token(MANAGE, subscriber_id)}"

    def preferences_url_of(self, subscriber_id: int, ident: Identity) -> str:
        """The preferences link of a subscriber whose identity the caller has just read (no query here)."""
        return f"{self.base_url}/preferences/{self._make(MANAGE, subscriber_id, ident, None, None)}"

    def confirm_url(self, subscriber_id: int, data: dict[str, Any] | None = None) -> str:
        """Double opt-in; ``data`` (preferences asked for on the form) is applied only when the link is followed."""
        return f"{self.base_url}/confirm/{self.token(CONFIRM, subscriber_id, data=data)}"

    def stand_in_confirm_url(self, email_hash: str, data: dict[str, Any] | None = None) -> str:
        """A confirmation link made like a real one (same signing, same length) naming no subscriber (id 0, which
        no row has): for an email rendered and dropped, so that a silent sign-up costs what a real one does."""
        token = self._make(CONFIRM, 0, Identity(0, email_hash), None, data)
        return f"{self.base_url}/confirm/{token}"

    def unsubscribe_mailto(self, subscriber_id: int, stream: Stream | None = None) -> str:
        token = self.token(UNSUBSCRIBE, subscriber_id, stream=stream)
        return f"mailto:{self.mailto_address}?subject={quote('unsubscribe ' + token)}"

    # -- checking links ---------------------------------------------------------------------------------------
    def verify(self, purpose: str, token: str) -> Claims:
        """The claims of a valid token, else :class:`InvalidLink` (nothing is changed either way)."""
        claims = self.read(purpose, token)
        if not claims.matches(self._identity(claims.subscriber_id)):
            raise InvalidLink(VOID)
        if purpose == CONFIRM and self._clock.now() - claims.issued_at > self.confirm_within:
            raise InvalidLink("ce lien de confirmation a expiré : inscrivez-vous à nouveau")
        return claims

    def read(self, purpose: str, token: str) -> Claims:
        """The claims of a token whose signature holds for ``purpose``, else :class:`UnreadableLink`. Reads nothing:
        the caller must still check them against the subscriber's row (:meth:`Claims.matches`), as :meth:`verify`
        does, or in the same statement that acts on the row (the one-click unsubscribe)."""
        try:
            payload = self._serializer(purpose).loads(token)
            sid, version, hash_start, issued, stream, data = payload
            sid, version, issued = int(sid), int(version), int(issued)
        except (BadSignature, ValueError, TypeError):
            raise UnreadableLink("ce lien n'est pas valide (il a peut-être été mal copié)") from None
        return Claims(
            subscriber_id=sid,
            issued_at=datetime.fromtimestamp(issued, tz=UTC),
            stream=Stream(stream) if stream else None,
            data=dict(data) if isinstance(data, dict) else {},
            token_version=version,
            hash_start=str(hash_start),
        )

    def _serializer(self, purpose: str) -> URLSafeSerializer:
        found = self._serializers.get(purpose)
        if found is None:
            found = self._serializers[purpose] = URLSafeSerializer(self._secret, salt=f"relais.subscribers.{purpose}")
        return found
