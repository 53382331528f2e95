"""Networks created by a super-admin in the admin, beside those ``config.toml`` declares.

    form | network_from_form (pure: the same checks as config.toml, in French) | NetworkRegistry.create
         | networks row with its settings (0015) | adopt_created_networks adds it to each running process's settings

A created network is served without a restart: at once at its host by the web process where it was created, by
the other web processes from the first request to that host (``relais.web.NetworkDispatch``), and its jobs by the
scheduler within ``[scheduler] standby_seconds`` (``relais.scheduler.Leader``); a process that starts reads it
with those of ``config.toml`` (``with_created_networks``). It signs its emails with ``[mail.dkim]`` (a key file
on the server is the operator's to declare, in ``[[networks]]``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import ConfigError, InvalidInput
from core.settings import (
    ADDRESS_RULE,
    NETWORK_FORM_KEYS,
    PREFIX,
    NetworkSettings,
    check_networks,
    network_from_table,
)
from relais.wiring import Services, sync_networks
from storage.networks import NetworkRepository
from subscribers.addresses import normalise

log = logging.getLogger(__name__)

LABELS = {
    "slug": "identifiant", "name": "nom", "newsletter_name": "nom de la lettre", "region": "région",
    "departements": "départements", "base_url": "adresse publique", "from_address": "adresse d'expédition",
    "from_name": "nom d'expéditeur", "reply_to": "adresse de réponse", "postal_address": "adresse postale",
    "timezone": "fuseau horaire", "primary_color": "couleur principale", "accent_color": "couleur d'accent",
    "logo_url": "logo",
}  # fmt: skip
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_LIMITS = {"name": 200, "newsletter_name": 200, "region": 100, "from_name": 200, "postal_address": 500}


def _refuse(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{LABELS[field]} : {reason}", code="network_form_invalid", field=LABELS[field], reason=reason)


def network_from_form(form: Mapping[str, str], existing: Sequence[NetworkSettings]) -> NetworkSettings:
    """The network a creation form describes, checked against the deployment's networks; :class:`InvalidInput`
    naming the field in French. Pure."""
    values = {f: str(form.get(f) or "").strip() for f in NETWORK_FORM_KEYS}
    for field in ("slug", "name", "base_url", "from_address"):
        if not values[field]:
            raise _refuse(field, "à renseigner")
    for field, limit in _LIMITS.items():
        if len(values[field]) > limit:
            raise _refuse(field, f"{limit} caractères au plus")
    url = urlsplit(values["base_url"])
    if (
        url.scheme not in ("http", "https")
        or not url.hostname
        or not PREFIX.fullmatch(url.path.rstrip("/"))
        or url.query
        or url.fragment
    ):
        raise _refuse("base_url", f"{ADDRESS_RULE}, par exemple https://lettre.reseau.example ou "
                                  "https://reseaux.example/centraider")  # fmt: skip
    for field in ("from_address", "reply_to"):
        if values[field]:
            values[field] = normalise(values[field])
    for field in ("primary_color", "accent_color"):
        if values[field] and not _COLOUR.fullmatch(values[field]):
            raise _refuse(field, f"une couleur comme #1d5c8c, pas « {values[field][:20]} »")
    if values["logo_url"] and not values["logo_url"].startswith("https://"):
        raise _refuse("logo_url", "une adresse https:// (les messagerie refusent les images en http)")
    if values["timezone"]:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            zone = values["timezone"][:40]
            raise _refuse("timezone", f"fuseau inconnu « {zone} » (par exemple Europe/Paris)") from None
    table: dict[str, Any] = {k: v for k, v in values.items() if v}
    table["departements"] = [c.upper() for c in re.split(r"[\s,;]+", values["departements"]) if c]
    table["base_url"] = values["base_url"].rstrip("/")
    network = network_from_table(table)
    try:
        check_networks([*existing, network], "réseaux")
    except ConfigError as exc:
        key = str(exc.params.get("key", "")).rsplit(".", 1)[-1]
        raise _refuse(key if key in LABELS else "slug", str(exc.params.get("reason", exc))) from None
    return network


def to_table(network: NetworkSettings) -> dict[str, Any]:
    """What is stored of a created network: the form's keys."""
    return {f: getattr(network, f) for f in NETWORK_FORM_KEYS}


@dataclass(frozen=True, slots=True)
class NetworkView:
    """A line of the « Réseaux » page."""

    slug: str
    name: str
    base_url: str
    region: str
    departements: list[str]
    created_by: str | None  # None: declared in config.toml
    created_at: datetime | None
    served: bool  # false: created in the admin, not yet served by this process (its next look or start)


class NetworkRegistry:
    """The deployment's networks for the super-admins' page: the served ones and those created since the start."""

    def __init__(self, services: Services, on_created: Callable[[], None] | None = None) -> None:
        self.services = services  # the deployment's: a network this process serves is in its settings
        self.on_created = on_created  # serves a created network at once (relais.web.NetworkDispatch.grow)

    def _stored(self) -> list[tuple[Any, NetworkSettings | None]]:
        with self.services.db.deployment().reading() as s:
            rows = NetworkRepository(s).listing()
        return [(row, network_from_table(row.settings) if row.settings else None) for row in rows]

    def networks(self) -> list[NetworkView]:
        served = {n.slug: n for n in self.services.settings.all_networks}
        stored = self._stored()
        known = {row.slug: row for row, _net in stored}
        out = [
            NetworkView(n.slug, n.name, n.base_url, n.region, n.departements,
                        getattr(known.get(n.slug), "created_by", None), getattr(known.get(n.slug), "created_at", None),
                        True)
            for n in served.values()
        ]  # fmt: skip
        for row, net in stored:
            if net is not None and net.slug not in served:
                out.append(NetworkView(net.slug, net.name, net.base_url, net.region, net.departements,
                                       row.created_by, row.created_at, False))  # fmt: skip
        return out

    def create(self, form: Mapping[str, str], by: str) -> NetworkSettings:
        """Check and store a new network (:class:`InvalidInput` in French), and serve it (``on_created``)."""
        pending = [net for _row, net in self._stored() if net is not None]
        existing = [*self.services.settings.all_networks]
        existing += [net for net in pending if net.slug not in {n.slug for n in existing}]
        network = network_from_form(form, existing)
        sync_networks(self.services)  # the configured networks have their rows first: row 1 stays the first's
        with self.services.db.deployment().session() as s:
            NetworkRepository(s).create(network.slug, network.name, to_table(network), by, self.services.clock.now())
        if self.on_created is not None:
            try:
                self.on_created()
            except Exception:  # stored all the same: served by the next look or the next start
                log.exception("networks.not_served_yet", extra={"network": network.slug})
        return network
