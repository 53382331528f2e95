"""Preferences against the taxonomy, and who a segment reaches. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.errors import InvalidInput
from core.model import ItemKind, Preferences, Stream
from core.settings import TaxonomySettings

FREQUENCIES = ("monthly", "weekly")
FAMILY_LABELS = {
    "kinds": "types d'information",
    "themes": "thématiques",
    "zones": "zones géographiques",
    "territories": "territoires",
    "streams": "envois",
}
# Said of values no family knows, agreeing in gender and number.
UNKNOWN = {
    "kinds": ("type d'information inconnu", "types d'information inconnus"),
    "themes": ("thématique inconnue", "thématiques inconnues"),
    "zones": ("zone géographique inconnue", "zones géographiques inconnues"),
    "territories": ("territoire inconnu", "territoires inconnus"),
    "streams": ("envoi inconnu", "envois inconnus"),
}
KIND_LABELS = {
    ItemKind.FUNDING: "Financements",
    ItemKind.CALL: "Appels à projets",
    ItemKind.EVENT: "Événements",
    ItemKind.TRAINING: "Formations",
    ItemKind.JOB: "Emplois et volontariat",
    ItemKind.NEWS: "Actualités des membres",
}
STREAM_LABELS = {
    Stream.NEWSLETTER: "La lettre mensuelle",
    Stream.EMAILING: "Les emailings thématiques",
}


@dataclass(frozen=True, slots=True)
class Choices:
    """Every value a family accepts, with its French label, in display order."""

    kinds: Sequence[tuple[str, str]]
    themes: Sequence[tuple[str, str]]
    zones: Sequence[tuple[str, str]]
    territories: Sequence[tuple[str, str]]
    streams: Sequence[tuple[str, str]]
    _orders: dict[str, dict[str, int]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_taxonomy(cls, taxonomy: TaxonomySettings) -> Choices:
        return cls(
            kinds=[(str(k), label) for k, label in KIND_LABELS.items()],
            themes=[(t.slug, t.label) for t in taxonomy.themes],
            zones=[(t.slug, t.label) for t in taxonomy.zones],
            territories=[(t.slug, t.label) for t in taxonomy.territories],
            streams=[(str(s), label) for s, label in STREAM_LABELS.items()],
        )

    def family(self, name: str) -> Sequence[tuple[str, str]]:
        return getattr(self, name)  # type: ignore[no-any-return]

    def order(self, name: str) -> dict[str, int]:
        """Slug -> position in the family (computed once: imports call this for every row)."""
        if name not in self._orders:
            self._orders[name] = {slug: i for i, (slug, _) in enumerate(self.family(name))}
        return self._orders[name]


def parse_preferences(
    data: Mapping[str, Sequence[str]], choices: Choices, *, frequency: str = "monthly"
) -> Preferences:
    """Preferences from raw values (form fields, CSV cells), or :class:`InvalidInput` naming each unknown value.

    Values are deduplicated and kept in the taxonomy's order; an empty ``streams`` means both streams.
    """
    errors: list[str] = []
    picked: dict[str, list[str]] = {}
    for family in FAMILY_LABELS:
        wanted = {v.strip() for v in data.get(family, ())} - {""}
        if not wanted:  # the common case, kept cheap for 100,000-row imports
            picked[family] = []
            continue
        order = choices.order(family)
        unknown = sorted(v for v in wanted if v not in order)
        if unknown:
            errors.append(f"{UNKNOWN[family][len(unknown) > 1]} : {', '.join(unknown)}")
        picked[family] = sorted((v for v in wanted if v in order), key=order.__getitem__)
    if frequency not in FREQUENCIES:
        errors.append(f"fréquence inconnue : {frequency}")
    if errors:
        raise InvalidInput("; ".join(errors))
    return Preferences(
        kinds=[ItemKind(k) for k in picked["kinds"]],
        themes=picked["themes"],
        zones=picked["zones"],
        territories=picked["territories"],
        streams=[Stream(s) for s in picked["streams"]] or [Stream.NEWSLETTER, Stream.EMAILING],
        frequency=frequency,
    )


def reaches(prefs: Preferences, audience: Mapping[str, Sequence[str]], stream: Stream | None = None) -> bool:
    """Whether a subscriber with ``prefs`` is in the segment ``audience`` (family -> values).

    The same rule as :meth:`storage.subscribers.SubscriberRepository.count_segment`: an empty family on either
    side matches everything; otherwise the two must share a value.
    """
    if stream is not None and stream not in prefs.streams:
        return False
    mine = prefs.to_json()
    for family in ("kinds", "themes", "zones", "territories"):
        wanted = {str(v) for v in audience.get(family, [])}
        if wanted and mine[family] and not wanted & set(mine[family]):
            return False
    return True
