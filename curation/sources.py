"""Sources as editors define them in the admin: validated like ``config.toml``'s ``[[sources]]``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from core.errors import InvalidInput
from core.model import ItemKind, Source, SourceKind
from core.settings import parse_duration
from curation.validate import FieldErrors, Taxonomy, clean_tags, clean_territory

MAX_NAME = 200
MAX_URL = 2_000


def clean_url(raw: str) -> str:
    """An http(s) URL, or a local path as the bundled demo sources use."""
    url = raw.strip()
    if not url:
        raise InvalidInput("l'adresse est obligatoire")
    if len(url) > MAX_URL or any(c.isspace() for c in url):
        raise InvalidInput("adresse invalide (trop longue ou avec des espaces)")
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"}:
        if not parts.hostname:
            raise InvalidInput(f"adresse sans nom d'hôte : {url[:80]}")
        return url
    if parts.scheme:
        raise InvalidInput(f"seules les adresses http(s) ou un fichier local sont acceptées, pas « {parts.scheme}: »")
    return url


def clean_source(form: Mapping[str, Any], taxonomy: Taxonomy, *, taken_names: set[str]) -> Source:
    """A :class:`Source` from the admin's form, or :class:`FieldErrors` naming every wrong field."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        return str(form.get(name) or "").strip()

    name = " ".join(text("name").split())
    if not name:
        errors["name"] = "le nom est obligatoire"
    elif len(name) > MAX_NAME:
        errors["name"] = f"le nom dépasse {MAX_NAME} caractères"
    elif name in taken_names:
        errors["name"] = f"une source s'appelle déjà « {name} »"
    url = ""
    try:
        url = clean_url(text("url"))
    except InvalidInput as exc:
        errors["url"] = str(exc)
    kind = text("kind")
    if kind not in set(SourceKind):
        errors["kind"] = f"format inconnu (attendu : {', '.join(SourceKind)})"
    item_kind = text("item_kind")
    if item_kind not in set(ItemKind):
        errors["item_kind"] = f"type d'élément inconnu (attendu : {', '.join(ItemKind)})"
    every = 0
    try:
        every = parse_duration(text("every") or "6h")
        if every < 300:
            errors["every"] = "au moins 5 minutes entre deux collectes (5m)"
    except ValueError:
        errors["every"] = f"durée illisible « {text('every')} » (ex. 30m, 6h, 1d)"
    tags: list[str] = []
    raw_tags = form.get("tags") or []
    try:
        tags = clean_tags(raw_tags if isinstance(raw_tags, list) else str(raw_tags).split(","), taxonomy)
    except InvalidInput as exc:
        errors["tags"] = str(exc)
    territory = None
    try:
        territory = clean_territory(text("territory"), taxonomy)
    except InvalidInput as exc:
        errors["territory"] = str(exc)
    if errors:
        raise FieldErrors(errors)
    return Source(
        name=name,
        url=url,
        kind=SourceKind(kind),
        item_kind=ItemKind(item_kind),
        every_seconds=every,
        tags=tags,
        territory=territory,
        official=bool(form.get("official")),
        enabled=bool(form.get("enabled")),
        origin="admin",
    )
