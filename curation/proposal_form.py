"""A member's proposal form, checked: pure functions from the posted fields to the item's own fields.

The form's names are the item's (``kind``, ``title``, ``body``, ``link``, ``deadline``, ``starts_at``, ``ends_at``,
``place``, ``organisation``, ``email``, ``themes``, ``territories``, ``image``), so a member's site can post to
``/propose`` directly. Every refusal says, in French, what to change; nothing is stored before every field passed.

body   Markdown (paragraphs, bold, italics, links, lists; raw HTML stays text), rendered then sanitised by the
       watch's own sanitiser (nh3), every link through :func:`core.text.safe_url`
link   http(s) only, not an internal address literal (:meth:`watch.outbound.OutboundPolicy.check_url`); never fetched
dates  a closing date already past, an event ending before it starts or already over are refused
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from markdown_it import MarkdownIt

from core.errors import InvalidInput
from core.model import ItemKind
from core.text import safe_url, strip_controls
from watch.clean import plain_text, sanitise
from watch.outbound import OutboundPolicy, OutboundRefused

MAX_TITLE = 200
MAX_BODY = 10_000  # characters of Markdown: a news item or a call's presentation, not a web page
MAX_PLACE = 200
MAX_ORGANISATION = 150
MAX_LINK = 2_000
MAX_IMAGE_ALT = 300
MAX_TAGS = 30

KIND_LABELS = {
    ItemKind.NEWS: "Actualité",
    ItemKind.EVENT: "Événement",
    ItemKind.TRAINING: "Formation",
    ItemKind.JOB: "Offre d'emploi ou de volontariat",
    ItemKind.CALL: "Appel à projets",
    ItemKind.FUNDING: "Financement",
}
SOURCE_NAME = "Proposition d'un membre"

_MD = MarkdownIt("zero", {"breaks": True, "linkify": True, "html": False}).enable(
    ["emphasis", "link", "autolink", "newline", "linkify", "list", "escape"]
)
# What a person proposing news never needs to write, and a robot trying its luck always does.
_CODE = re.compile(r"<\s*/?\s*(script|iframe|object|embed|style|svg)\b|javascript\s*:|\bon[a-z]+\s*=\s*[\"']?", re.I)


class ProposalRefused(InvalidInput):
    """The form cannot be accepted as sent; ``field`` names the field to change (or "" for the whole form)."""

    def __init__(self, message: str, field_name: str = "") -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The slugs a member may choose, with their labels: the taxonomy's themes and territories (départements)."""

    themes: dict[str, str]
    territories: dict[str, str]


@dataclass(slots=True)
class CheckedProposal:
    """The item's fields as the member gave them, checked; dates as ISO strings (stored as JSON)."""

    email: str
    organisation: str
    fields: dict[str, Any] = field(default_factory=dict)


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return strip_controls(value).strip() if isinstance(value, str) else ""


def _refuse_code(name: str, label: str, value: str) -> None:
    if _CODE.search(value):
        raise ProposalRefused(
            f"{label} contient du code (balise <script>, javascript:, attribut on…=) : retirez-le, "
            "seul du texte (et du Markdown) est accepté",
            name,
        )


def _limited(name: str, label: str, value: str, limit: int) -> str:
    if len(value) > limit:
        raise ProposalRefused(f"{label} est trop long ({len(value)} caractères, {limit} au plus)", name)
    return value


def check_email(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise ProposalRefused("indiquez l'adresse électronique de la personne à contacter", "email")
    try:
        info = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        raise ProposalRefused(f"adresse électronique invalide : « {text[:100]} »", "email") from None
    local, domain = info.normalized.rsplit("@", 1)
    return f"{local.lower()}@{(info.ascii_domain or domain).lower()}"


def check_link(raw: str, policy: OutboundPolicy) -> str | None:
    """An http(s) link that does not name an internal address; never fetched here."""
    if not raw:
        return None
    _limited("link", "Le lien", raw, MAX_LINK)
    url = safe_url(raw)
    if url is None:
        raise ProposalRefused("le lien doit être une adresse web complète, commençant par https:// ou http://", "link")
    try:
        policy.check_url(url)
    except OutboundRefused:
        raise ProposalRefused(
            "le lien désigne une adresse interne ou réservée : donnez l'adresse publique", "link"
        ) from None
    return url


def markdown_html(text: str) -> str:
    """The body's Markdown as sanitised HTML (raw HTML in it stays literal text, then nh3 cleans the result)."""
    return sanitise(_MD.render(text)) if text else ""


def parse_day(raw: str, name: str, label: str) -> date | None:
    """``2027-03-12`` (a date field) or ``12/03/2027`` (typed by hand)."""
    if not raw:
        return None
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4})", raw)
    try:
        if m and m.group(1):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m:
            return date(int(m.group(6)), int(m.group(5)), int(m.group(4)))
    except ValueError:
        pass
    raise ProposalRefused(f"{label} n'est pas une date (attendu : 12/03/2027 ou 2027-03-12)", name)


def parse_moment(raw: str, name: str, label: str, tz: ZoneInfo) -> datetime | None:
    """``2027-03-12T18:30`` (a datetime-local field), ``2027-03-12 18:30`` or a day alone (midnight), local time."""
    if not raw:
        return None
    day_part, _, time_part = raw.replace(" ", "T", 1).partition("T")
    day = parse_day(day_part, name, label)
    assert day is not None
    at = time(0, 0)
    if time_part:
        m = re.fullmatch(r"(\d{1,2})[:h](\d{2})(?::\d{2})?", time_part)
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise ProposalRefused(f"{label} : l'heure n'est pas lisible (attendu : 18:30)", name)
        at = time(int(m.group(1)), int(m.group(2)))
    return datetime.combine(day, at, tzinfo=tz)


def _slugs(values: Sequence[str], known: dict[str, str], name: str, label: str) -> list[str]:
    chosen = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    if len(chosen) > MAX_TAGS:
        raise ProposalRefused(f"trop de {label} cochés", name)
    unknown = [v for v in chosen if v not in known]
    if unknown:
        raise ProposalRefused(f"{label} inconnus : {', '.join(u[:40] for u in unknown[:5])}", name)
    return chosen


def check_form(
    form: Mapping[str, Any],
    lists: Mapping[str, Sequence[str]],
    vocabulary: Vocabulary,
    policy: OutboundPolicy,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> CheckedProposal:
    """The posted ``form`` (text fields) and ``lists`` (``themes``, ``territories``) checked, or
    :class:`ProposalRefused` naming the first field to change."""
    kind_text = _text(form, "kind")
    try:
        kind = ItemKind(kind_text)
    except ValueError:
        raise ProposalRefused(
            "choisissez ce que vous proposez : actualité, événement, formation, offre ou appel", "kind"
        ) from None
    title = _limited("title", "Le titre", _text(form, "title"), MAX_TITLE)
    if not title:
        raise ProposalRefused("donnez un titre", "title")
    body = _limited("body", "Le texte", _text(form, "body"), MAX_BODY)
    place = _limited("place", "Le lieu", _text(form, "place"), MAX_PLACE)
    organisation = _limited("organisation", "Le nom de l'organisation", _text(form, "organisation"), MAX_ORGANISATION)
    image_alt = _limited("image_alt", "La description de l'image", _text(form, "image_alt"), MAX_IMAGE_ALT)
    for name, label, value in (("title", "Le titre", title), ("body", "Le texte", body), ("place", "Le lieu", place),
                               ("organisation", "Le nom de l'organisation", organisation),
                               ("image_alt", "La description de l'image", image_alt)):  # fmt: skip
        _refuse_code(name, label, value)
    if not organisation:
        raise ProposalRefused("indiquez le nom de votre organisation", "organisation")
    email = check_email(_text(form, "email"))
    link = check_link(_text(form, "link"), policy)
    today = now.astimezone(tz).date()
    deadline = parse_day(_text(form, "deadline"), "deadline", "La date limite")
    if deadline is not None and deadline < today:
        raise ProposalRefused(f"la date limite ({deadline:%d/%m/%Y}) est déjà passée", "deadline")
    starts = parse_moment(_text(form, "starts_at"), "starts_at", "Le début", tz)
    ends = parse_moment(_text(form, "ends_at"), "ends_at", "La fin", tz)
    if ends is not None and starts is None:
        raise ProposalRefused("indiquez aussi le début de l'événement", "starts_at")
    if starts is not None and ends is not None and ends < starts:
        raise ProposalRefused("l'événement se termine avant de commencer : vérifiez le début et la fin", "ends_at")
    if kind == ItemKind.EVENT and starts is None:
        raise ProposalRefused("indiquez la date de début de l'événement", "starts_at")
    last = ends or starts
    if last is not None and last.date() < today:
        raise ProposalRefused("l'événement est déjà passé : vérifiez ses dates", "ends_at" if ends else "starts_at")
    themes = _slugs(lists.get("themes", ()), vocabulary.themes, "themes", "thèmes")
    territories = _slugs(lists.get("territories", ()), vocabulary.territories, "territories", "départements")
    html = markdown_html(body)
    fields: dict[str, Any] = {
        "kind": str(kind),
        "title": title,
        "body_html": html,
        "summary": plain_text(html),
        "url": link,
        "deadline": deadline.isoformat() if deadline else None,
        "starts_at": starts.isoformat() if starts else None,
        "ends_at": ends.isoformat() if ends else None,
        "place": place or None,
        "tags": [*themes, *territories],
        "image_alt": image_alt,
    }
    return CheckedProposal(email=email, organisation=organisation, fields=fields)
