"""Pure validation of editors' input: every refusal names the field and says why, in French.

Nothing here touches the database; :class:`FieldErrors` carries one message per field so a form can show them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import dateparser
import nh3

from core.errors import InvalidInput
from core.model import ItemKind
from core.settings import TaxonomySettings
from core.text import safe_url, strip_controls

MAX_TITLE = 300
MAX_SUMMARY = 3_000
MAX_BODY = 60_000
MAX_NOTE = 2_000
MAX_PLACE = 300
MAX_TAG = 64
MAX_URL = 2_000
MAX_ALT = 300

_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]|&(lt|gt|#0*60|#x0*3c);", re.IGNORECASE)

DATE_FIELDS = {"opening_date": "Date d'ouverture", "deadline": "Date limite"}
TEXT_LIMITS = {"summary": MAX_SUMMARY, "editor_note": MAX_NOTE, "place": MAX_PLACE}


class FieldErrors(InvalidInput):
    """Input refused, with one French message per field."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(" ; ".join(f"{k} : {v}" for k, v in self.errors.items()))


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The tags editors may use: the slugs of the config's taxonomy, and which are territories."""

    tags: frozenset[str]
    territories: frozenset[str]
    labels: Mapping[str, str]

    @classmethod
    def from_settings(cls, t: TaxonomySettings) -> Taxonomy:
        terms = [*t.themes, *t.zones, *t.territories, *t.audiences]
        return cls(
            tags=frozenset(x.slug for x in terms),
            territories=frozenset(x.slug for x in t.territories),
            labels={x.slug: x.label for x in terms},
        )


def clean_title(raw: str) -> str:
    """A one-line plain-text title; markup is refused rather than silently altered."""
    title = " ".join(strip_controls(raw).split())
    if not title:
        raise InvalidInput("le titre est obligatoire")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"le titre dépasse {MAX_TITLE} caractères ({len(title)})")
    if _MARKUP.search(title):
        raise InvalidInput("le titre ne doit contenir ni HTML ni script")
    return title


def clean_text(raw: str, limit: int, *, label: str) -> str:
    """Plain text (summary, note, place): refused when too long, tags stripped."""
    text = strip_controls(raw).strip()
    if len(text) > limit:
        raise InvalidInput(f"{label} dépasse {limit} caractères ({len(text)})")
    if _MARKUP.search(text):
        text = nh3.clean(text, tags=set()).strip()
    return text


def clean_link(raw: str) -> str | None:
    """An item's link: empty for none, else a complete web address; ``javascript:``, ``data:``, ``file:`` and
    the like are refused, never stored."""
    text = strip_controls(raw).strip()
    if not text:
        return None
    if len(text) > MAX_URL:
        raise InvalidInput(f"le lien dépasse {MAX_URL} caractères ({len(text)})")
    link = safe_url(text)
    if link is None:
        raise InvalidInput("le lien doit être une adresse web complète, commençant par http:// ou https://")
    return link


def clean_image(raw: str) -> str | None:
    """An « à la une » image: empty for none, else a complete web address (never ``data:`` or a local file)."""
    text = strip_controls(raw).strip()
    if not text:
        return None
    if len(text) > MAX_URL:
        raise InvalidInput(f"l'adresse de l'image dépasse {MAX_URL} caractères ({len(text)})")
    if safe_url(text) is None:
        raise InvalidInput("l'image doit être une adresse web complète, commençant par http:// ou https://")
    return text


def clean_body(raw: str) -> str:
    """Rich text, sanitised by nh3 (scripts, event handlers and styles go)."""
    if len(raw) > MAX_BODY:
        raise InvalidInput(f"le corps dépasse {MAX_BODY} caractères ({len(raw)})")
    # Links: web and email only; controls removed around nh3, which turns ``&#x1b;`` into one.
    return strip_controls(nh3.clean(strip_controls(raw).strip(), url_schemes={"http", "https", "mailto"}))


def parse_date(raw: str, *, label: str, today: date, allow_past: bool) -> date | None:
    """``2027-03-12``, ``12/03/2027`` or ``12 mars 2027``; empty means none. Past dates refused unless allowed."""
    text = raw.strip()
    if not text:
        return None
    value: date | None = None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"):
        try:
            value = datetime.strptime(text, fmt).date()
            break
        except ValueError:
            continue
    if value is None:
        # Relative words ("demain", "dans 3 jours") count from the injected today, not the machine's clock.
        base = datetime(today.year, today.month, today.day, 12)  # dateparser wants a naive base
        parsed = dateparser.parse(text, languages=["fr", "en"], settings={"RELATIVE_BASE": base})
        value = parsed.date() if parsed else None
    if value is None:
        raise InvalidInput(f"{label} : date illisible « {text} » (format attendu : JJ/MM/AAAA)")
    if not allow_past and value < today:
        raise InvalidInput(f"{label} : le {value:%d/%m/%Y} est déjà passé")
    return value


def clean_tags(raw: Iterable[str], taxonomy: Taxonomy) -> list[str]:
    """Known slugs only, each once, in the order given."""
    out: list[str] = []
    unknown: list[str] = []
    for tag in raw:
        tag = tag.strip()
        if not tag or tag in out:
            continue
        if len(tag) > MAX_TAG or tag not in taxonomy.tags:
            unknown.append(tag[:MAX_TAG])
        else:
            out.append(tag)
    if unknown:
        raise InvalidInput(f"étiquette(s) inconnue(s) de la taxonomie : {', '.join(unknown)}")
    return out


def clean_territory(raw: str, taxonomy: Taxonomy) -> str | None:
    code = raw.strip()
    if not code:
        return None
    if code not in taxonomy.territories:
        raise InvalidInput(f"territoire inconnu : {code[:MAX_TAG]}")
    return code


def clean_kind(raw: str) -> ItemKind:
    try:
        return ItemKind(raw.strip())
    except ValueError:
        raise InvalidInput(f"type inconnu : {raw[:32]!r} (attendu : {', '.join(ItemKind)})") from None


def clean_edit(
    form: Mapping[str, Any],
    taxonomy: Taxonomy,
    *,
    today: date,
    current_deadline: date | None = None,
) -> dict[str, Any]:
    """Validate an item editor's form into the changes to apply; raise :class:`FieldErrors` listing every problem.

    Only fields present in ``form`` are checked, so partial edits work. A deadline already stored may stay even
    if past (editing the title of an old item must not fail), but a new one must be in the future.
    """
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def attempt(name: str, fn: Any, *args: Any, **kw: Any) -> None:
        if name not in form:
            return
        try:
            changes[name] = fn(*args, **kw)
        except InvalidInput as exc:
            errors[name] = str(exc)

    def value(name: str) -> str:
        return str(form.get(name) or "")

    attempt("title", clean_title, value("title"))
    attempt("kind", clean_kind, value("kind"))
    attempt("url", clean_link, value("url"))
    attempt("body_html", clean_body, value("body_html"))
    for name, limit in TEXT_LIMITS.items():
        attempt(name, clean_text, value(name), limit, label=name)
    for name, label in DATE_FIELDS.items():
        if name in form:
            try:
                parsed = parse_date(value(name), label=label, today=today, allow_past=True)
                if name == "deadline" and parsed is not None and parsed < today and parsed != current_deadline:
                    raise InvalidInput(f"{label} : le {parsed:%d/%m/%Y} est déjà passé")
                changes[name] = parsed
            except InvalidInput as exc:
                errors[name] = str(exc)
    if "tags" in form:
        raw_tags = form["tags"]
        items = raw_tags if isinstance(raw_tags, list | tuple) else re.split(r"[,\s]+", str(raw_tags))
        try:
            changes["tags"] = clean_tags(items, taxonomy)
        except InvalidInput as exc:
            errors["tags"] = str(exc)
    if "featured" in form:
        changes["featured"] = str(form["featured"]).lower() in {"1", "on", "true", "oui", "yes"}
    attempt("image_url", clean_image, value("image_url"))
    attempt("image_alt", lambda raw: " ".join(clean_text(raw, MAX_ALT, label="le texte de l'image").split()),
            value("image_alt"))  # fmt: skip
    if changes.get("image_url") and "image_alt" in changes and not changes["image_alt"]:
        errors["image_alt"] = "décrivez l'image en quelques mots : ce texte la remplace quand elle ne s'affiche pas"
    if errors:
        raise FieldErrors(errors)
    return changes
