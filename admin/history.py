"""An item's history and a subscriber's consent log as people read them: the logged ``changes`` and ``details``
(JSON written by curation, the watch and the subscriber services) become French sentences, each value in its
own words (a status by its label, a tag by its name, a date in French, yes/no for a box, « (vide) » for
nothing). Pure; the pages call :func:`item_changes` and :func:`consent_details`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from admin.labels import N_, label, yes_no

Gettext = Callable[[str], str]

FIELDS = {
    "status": N_("statut"),
    "title": N_("titre"),
    "url": N_("lien"),
    "kind": N_("type"),
    "summary": N_("résumé"),
    "body_html": N_("texte"),
    "opening_date": N_("ouverture"),
    "deadline": N_("date limite"),
    "starts_at": N_("début"),
    "ends_at": N_("fin"),
    "place": N_("lieu"),
    "editor_note": N_("note de la rédaction"),
    "featured": N_("à la une"),
    "image_url": N_("image à la une"),
    "image_alt": N_("description de l'image"),
    "tags": N_("étiquettes"),
    "territory": N_("département"),
    "content_hash": N_("empreinte du texte"),
    "published_at": N_("publication"),
    "name": N_("nom"),
    "org": N_("organisation"),
    "organisation_type": N_("type d'organisation"),
    "frequency": N_("fréquence"),
    "streams": N_("envois"),
    "kinds": N_("types"),
    "themes": N_("thèmes"),
    "zones": N_("zones"),
    "territories": N_("départements"),
    "email": N_("adresse"),
    "rejection_reason": N_("motif"),  # given with a rejection; sent to the member who proposed the item
    "proposal": N_("proposition d'un membre n°"),
    "organisation": N_("organisation"),
}
TAG_LISTS = {
    "added": N_("étiquettes ajoutées"),
    "removed": N_("étiquettes retirées"),
    "accepted_suggestions": N_("suggestions acceptées"),
    "refused_suggestions": N_("suggestions refusées"),
}
TABLE_OF = {"status": "item", "kind": "item_kind", "organisation_type": "organisation", "frequency": "frequency",
            "streams": "stream", "kinds": "item_kind", "status_before": "subscriber"}  # fmt: skip
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def value_fr(name: str, value: Any, tag_label: Callable[[str], str], _: Gettext = str) -> str:
    """One logged value in French."""
    if value is None or value == "" or value == []:
        return _(N_("(vide)"))
    if isinstance(value, bool):
        return yes_no(value, _)
    if isinstance(value, list):
        return ", ".join(value_fr(name, v, tag_label, _) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_(FIELDS.get(str(k), str(k)))} : {value_fr(k, v, tag_label, _)}" for k, v in value.items())
    text = str(value)
    if name in ("tags", "themes", "zones", "territories", "territory"):
        return tag_label(text)
    if name in TABLE_OF:
        return label(text, TABLE_OF[name], _)
    if ISO_DAY.match(text):
        try:
            day = date.fromisoformat(text[:10])
        except ValueError:
            return text
        return day.strftime("%d/%m/%Y") + (f" {text[11:16]}" if len(text) > 10 else "")
    return text


def item_changes(changes: Mapping[str, Any], tag_label: Callable[[str], str], _: Gettext = str) -> list[str]:
    """The French lines of one item event's ``changes``."""
    lines: list[str] = []
    for key, value in changes.items():
        if key in TAG_LISTS:
            lines.append(f"{_(TAG_LISTS[key])} : {value_fr('tags', value, tag_label, _)}")
        elif key == "source":
            lines.append(f"{_(N_('source'))} : {value}")
        elif key in ("source_item_id", "reason", "pending"):
            if key == "pending" and value:
                lines.append(_(N_("en attente de relecture")))
        elif key == "applied":
            lines.append(_(N_("appliqué")) if value else _(N_("non appliqué")))
        elif key == "fields" and isinstance(value, Mapping):
            lines.extend(item_changes(value, tag_label, _))
        elif isinstance(value, list) and len(value) == 2:
            before, after = (value_fr(key, v, tag_label, _) for v in value)
            lines.append(f"{_(FIELDS.get(key, key))} : {before} → {after}")
        else:
            lines.append(f"{_(FIELDS.get(key, key))} : {value_fr(key, value, tag_label, _)}")
    return lines


def consent_details(details: Mapping[str, Any] | None, tag_label: Callable[[str], str], _: Gettext = str) -> list[str]:
    """The French lines of one consent event's ``details``: who, why, and what changed (before → after)."""
    lines: list[str] = []
    for key, value in (details or {}).items():
        if key == "by":
            lines.append(f"{_(N_('par'))} {value}")
        elif key in ("reason", "lifted"):
            prefix = _(N_("motif")) if key == "reason" else _(N_("blocage levé"))
            lines.append(f"{prefix} : {label(value, 'reason', _)}")
        elif key == "stream":
            lines.append(f"{_(N_('pour'))} {label(value, 'stream', _)}")
        elif key == "note":
            if value:
                lines.append(f"{_(N_('note'))} : {value}")
        elif key == "before" and isinstance(value, Mapping):
            after = (details or {}).get("after")
            lines.extend(_compare(value, after if isinstance(after, Mapping) else {}, tag_label, _))
        elif key == "after" and "before" in (details or {}):
            continue
        elif key == "basis":
            lines.append(f"{_(N_('base légale'))} : {value}")
        elif key == "confirmed":
            lines.append(f"{_(N_('déjà confirmé·e'))} : {yes_no(value, _)}")
        elif key == "status":
            lines.append(f"{_(N_('statut'))} : {label(value, 'subscriber', _)}")
        else:
            lines.append(f"{_(FIELDS.get(key, key))} : {value_fr(key, value, tag_label, _)}")
    return lines


def _compare(before: Mapping[str, Any], after: Mapping[str, Any], tag_label: Callable[[str], str],
             _: Gettext) -> list[str]:  # fmt: skip
    lines = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if isinstance(old, Mapping) or isinstance(new, Mapping):
            lines.extend(_compare(old if isinstance(old, Mapping) else {}, new if isinstance(new, Mapping) else {},
                                  tag_label, _))  # fmt: skip
        elif old != new:
            lines.append(f"{_(FIELDS.get(key, key))} : {value_fr(key, old, tag_label, _)} → "
                         f"{value_fr(key, new, tag_label, _)}")  # fmt: skip
    return lines
