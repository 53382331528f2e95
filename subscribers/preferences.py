"""Preferences against the taxonomy, and who a segment reaches. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.errors import InvalidInput
from core.model import AlertRhythm, ItemKind, Preferences, Stream
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
    Stream.ALERT: "Les alertes",
}
# The streams a form ticks; alerts have their own fieldset (a rhythm, a day, kinds) that adds or drops the stream.
TICKED_STREAMS = (Stream.NEWSLETTER, Stream.EMAILING)
RHYTHM_LABELS = {
    AlertRhythm.NEVER: "Jamais",
    AlertRhythm.DAILY: "Chaque jour",
    AlertRhythm.WEEKLY: "Chaque semaine",
}
DAY_LABELS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
# Form fields (and CSV columns) of the alerts; a form without them keeps the subscriber's own.
ALERT_FIELDS = ("alerts", "alert_day", "alert_kinds")


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
    rhythm, day, alert_kinds = _alerts(data, "alert" in picked["streams"], choices, errors)
    if errors:
        raise InvalidInput("; ".join(errors))
    streams = [Stream(s) for s in picked["streams"] if s != Stream.ALERT]
    if not streams and not (rhythm != AlertRhythm.NEVER and "streams" in data):
        streams = [Stream.NEWSLETTER, Stream.EMAILING]  # nothing said: both (alerts only when asked)
    if rhythm != AlertRhythm.NEVER:
        streams.append(Stream.ALERT)
    return Preferences(
        kinds=[ItemKind(k) for k in picked["kinds"]],
        themes=picked["themes"],
        zones=picked["zones"],
        territories=picked["territories"],
        streams=streams,
        frequency=frequency,
        alerts=rhythm,
        alert_day=day,
        alert_kinds=[ItemKind(k) for k in alert_kinds],
    )


def _alerts(
    data: Mapping[str, Sequence[str]], alert_stream: bool, choices: Choices, errors: list[str]
) -> tuple[AlertRhythm, int, list[str]]:
    """The alerts' rhythm, weekday and kinds. Without a rhythm field, the alert stream alone (a CSV column
    ``streams`` naming it) means weekly alerts on Monday."""
    said = [v.strip() for v in data.get("alerts", ()) if v.strip()]
    rhythm = AlertRhythm.WEEKLY if alert_stream else AlertRhythm.NEVER
    if said:
        try:
            rhythm = AlertRhythm(said[0])
        except ValueError:
            errors.append(f"rythme d'alertes inconnu : {said[0]}")
    days = [v.strip() for v in data.get("alert_day", ()) if v.strip()]
    day = 0
    if days:
        if days[0] in {str(n) for n in range(7)}:
            day = int(days[0])
        else:
            errors.append(f"jour des alertes inconnu : {days[0]} (attendu : 0 pour lundi … 6 pour dimanche)")
    wanted = {v.strip() for v in data.get("alert_kinds", ())} - {""}
    order = choices.order("kinds")
    unknown = sorted(wanted - order.keys())
    if unknown:
        errors.append(f"types d'alertes inconnus : {', '.join(unknown)}")
    return rhythm, day, sorted(wanted & order.keys(), key=order.__getitem__)


def keep_alerts(values: Mapping[str, Sequence[str]], before: Preferences) -> dict[str, Sequence[str]]:
    """``values`` with the alerts' fields a form did not show taken from the subscriber's preferences ``before``
    (the admin's form shows the alert stream but no rhythm: saving it must not change the rhythm; unticking the
    stream stops the alerts)."""
    if "alerts" in values:
        return dict(values)
    streams = values.get("streams")
    if streams is not None and str(Stream.ALERT) not in streams:
        return {**values, "alerts": [str(AlertRhythm.NEVER)]}
    if before.alerts == AlertRhythm.NEVER:
        return dict(values)  # the alert stream alone: weekly on Monday (:func:`_alerts`)
    return {
        **values,
        "alerts": [str(before.alerts)],
        "alert_day": [str(before.alert_day)],
        "alert_kinds": [str(k) for k in before.alert_kinds],
    }


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
