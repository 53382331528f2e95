"""Sources as editors define them in the admin: validated like ``config.toml``'s ``[[sources]]``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InvalidInput
from core.model import DateOrder, ItemKind, Source, SourceKind
from core.settings import parse_duration
from curation.validate import FieldErrors, Taxonomy, clean_tags, clean_territory
from watch.parse_html import valid_selector

MAX_NAME = 200
MAX_URL = 2_000
MAX_OPTION = 500

# Each kind's options, as in config.toml's [sources.options] (docs/sources.md). In the admin's form a field is
# named after its kind and option ("html_item", "json_title"), so the fieldsets of the four kinds never clash.
HTML_SELECTORS = (
    "item", "title", "link", "date", "summary", "deadline", "starts_at", "ends_at", "place", "detail_deadline",
    "detail_body",
)  # fmt: skip
JSON_PATHS = (
    "items", "id", "title", "url", "summary", "deadline", "opening", "starts_at", "ends_at", "published", "place",
    "country", "organisation",
)  # fmt: skip
ICAL_NUMBERS = {"window_days": (1, 1830), "past_days": (0, 3650), "max_occurrences": (1, 1000)}  # allowed range of each
OPTIONS: dict[SourceKind, tuple[str, ...]] = {
    SourceKind.FEED: ("date_order",),
    SourceKind.HTML: (*HTML_SELECTORS[:9], "base_url", "detail", *HTML_SELECTORS[9:], "date_order"),
    SourceKind.ICAL: (*ICAL_NUMBERS, "timezone"),
    SourceKind.JSON: (*JSON_PATHS, "base_url", "date_order"),
}
_PATH = re.compile(r"[^\s.]+(?:\.[^\s.]+)*")


def option_field(kind: SourceKind | str, name: str) -> str:
    """The form field of one option of one kind."""
    return f"{kind}_{name}"


def clean_url(raw: str, *, kept: str | None = None) -> str:
    """An http(s) URL. A local file is a source only when the operator wrote it in ``config.toml``: the form
    accepts no path, except ``kept``, the unchanged address of a source declared there."""
    url = raw.strip()
    if not url:
        raise InvalidInput("l'adresse est obligatoire")
    if kept is not None and url == kept:
        return url
    if len(url) > MAX_URL or any(c.isspace() for c in url):
        raise InvalidInput("adresse invalide (trop longue ou avec des espaces)")
    parts = urlsplit(url)
    if parts.scheme.lower() in {"http", "https"}:
        if not parts.hostname:
            raise InvalidInput(f"adresse sans nom d'hôte : {url[:80]}")
        return url
    if parts.scheme and parts.scheme.lower() != "file":
        raise InvalidInput(f"seules les adresses http et https sont acceptées, pas « {parts.scheme}: »")
    raise InvalidInput(
        "seules les adresses http et https sont acceptées : un fichier local ne peut être une source que s'il est "
        "écrit dans config.toml"
    )


def clean_source(
    form: Mapping[str, Any], taxonomy: Taxonomy, *, taken_names: set[str], kept_url: str | None = None
) -> Source:
    """A :class:`Source` from the admin's form, or :class:`FieldErrors` naming every wrong field. ``kept_url``:
    the address of the config-declared source being edited, which may be a local path the form would refuse."""
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
        url = clean_url(text("url"), kept=kept_url)
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
    options: dict[str, Any] = {}
    if kind in set(SourceKind):
        options = clean_options(SourceKind(kind), form, errors)
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
        options=options,
        origin="admin",
    )


def clean_options(kind: SourceKind, form: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The options of ``kind`` from the form's fields for that kind (empty fields: the defaults); what is wrong
    goes into ``errors`` under the field's name."""
    out: dict[str, Any] = {}
    for name in OPTIONS[kind]:
        field = option_field(kind, name)
        raw = form.get(field)
        if name == "detail":
            if raw:
                out[name] = True
            continue
        value = str(raw or "").strip()
        if not value:
            continue
        if len(value) > MAX_OPTION:
            errors[field] = f"{name} : plus de {MAX_OPTION} caractères"
        elif name == "base_url":
            if urlsplit(value).scheme not in {"http", "https"} or not urlsplit(value).hostname:
                errors[field] = f"{name} : une adresse http(s) complète est attendue, pas « {value[:80]} »"
            else:
                out[name] = value
        elif name == "date_order":
            if value.upper() in set(DateOrder):
                out[name] = value.upper()
            else:
                errors[field] = f"ordre des dates inconnu « {value[:20]} » (attendu : {', '.join(DateOrder)})"
        elif kind == SourceKind.HTML:
            if valid_selector(value):
                out[name] = value
            else:
                errors[field] = f"{name} : sélecteur CSS illisible « {value[:80]} »"
        elif kind == SourceKind.JSON:
            if _PATH.fullmatch(value):
                out[name] = value
            else:
                errors[field] = f"{name} : chemin illisible « {value[:80]} » (des clés séparées par des points)"
        elif name in ICAL_NUMBERS:
            low, high = ICAL_NUMBERS[name]
            if value.isdigit() and low <= int(value) <= high:
                out[name] = int(value)
            else:
                errors[field] = f"{name} : un nombre entier de {low} à {high} est attendu"
        elif name == "timezone":
            try:
                ZoneInfo(value)
                out[name] = value
            except (ZoneInfoNotFoundError, ValueError):
                errors[field] = f"fuseau horaire inconnu « {value[:80]} » (ex. Europe/Paris)"
    return out
