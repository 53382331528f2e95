"""Exports of key figures: flat rows (for the table and CSV) and one JSON object; keys in ``docs/figures.md``.

The CSV is made for a French spreadsheet: UTF-8 with a byte-order mark (accents), ``;`` between columns and a
decimal comma (numbers stay numbers), one figure per line with the previous period beside it. Text cells are
neutralised against spreadsheet formulas (:mod:`core.csvcells`); numbers, negative ones included, are not.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from typing import Any

from core.csvcells import SafeWriter
from figures.labels import KIND_LABELS, UNSUBSCRIBE_LABELS
from figures.model import KeyFigures, Share

Number = int | float | None
CSV_COLUMNS = ["rubrique", "clé", "libellé", "valeur", "période précédente", "évolution"]


@dataclass(frozen=True, slots=True)
class Row:
    section: str
    key: str  # dotted, stable: "items.published.event", "items.zones.asie.share"
    label: str
    value: Number
    previous: Number

    @property
    def change(self) -> Number:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 4)


def _flat(f: KeyFigures) -> list[tuple[str, str, str, Number]]:
    """(section, key, label, value) of every figure, in reading order."""
    s, a, it, src, w = f.sends, f.audience, f.items, f.sources, f.workload
    out: list[tuple[str, str, str, Number]] = [
        ("Envois", "sends.newsletters", "Lettres d'information envoyées", s.newsletters),
        ("Envois", "sends.emailings", "Emailings thématiques envoyés", s.emailings),
        ("Envois", "sends.alerts", "Éditions d'alertes envoyées", s.alerts),
        ("Envois", "sends.messages_accepted", "Messages remis au serveur destinataire", s.messages_accepted),
        ("Envois", "sends.messages_bounced", "Messages rejetés (bounce)", s.messages_bounced),
        ("Envois", "sends.messages_failed", "Messages en échec", s.messages_failed),
        ("Envois", "sends.complaints", "Plaintes (signalements de spam)", s.complaints),
        ("Envois", "sends.hard_bounces", "Rejets définitifs signalés", s.hard_bounces),
        ("Envois", "sends.soft_bounces", "Rejets temporaires signalés", s.soft_bounces),
        ("Envois", "sends.distinct_recipients", "Destinataires distincts atteints", s.distinct_recipients),
    ]
    for m in s.by_month:
        out.append(
            ("Envois par mois", f"sends.by_month.{m.month}.issues", f"Envois {m.month}", m.newsletters + m.emailings)
        )
        out.append(
            (
                "Envois par mois",
                f"sends.by_month.{m.month}.messages_accepted",
                f"Messages remis {m.month}",
                m.messages_accepted,
            )
        )
    out += [
        ("Abonnés", "audience.subscribers_start", "Abonnés en début de période", a.subscribers_start),
        ("Abonnés", "audience.subscribers_end", "Abonnés en fin de période", a.subscribers_end),
        ("Abonnés", "audience.net_change", "Évolution nette", a.net_change),
        ("Abonnés", "audience.confirmed_signups", "Inscriptions confirmées", a.confirmed_signups),
        ("Abonnés", "audience.imported", "Abonnés importés (consentement établi)", a.imported),
    ]
    for stream, n in a.unsubscribes.items():
        label = UNSUBSCRIBE_LABELS.get(stream, f"Désinscriptions ({stream})")
        out.append(("Abonnés", f"audience.unsubscribes.{stream}", label, n))
    out += [
        ("Abonnés", "audience.suppressed", "Adresses suspendues (rejets, plaintes)", a.suppressed),
        ("Abonnés", "audience.erased", "Effacements RGPD", a.erased),
    ]
    for stage, fr, counts in (
        ("collected", "collectés", it.collected),
        ("approved", "retenus", it.approved),
        ("published", "publiés", it.published),
    ):
        for kind, n in counts.items():
            out.append(("Contenus", f"items.{stage}.{kind}", f"{KIND_LABELS.get(kind, kind)} {fr}", n))
    out += [
        ("En bref", "items.news_published", "Actualités publiées", it.news_published),
        ("En bref", "items.funding_sources_published", "Sources de financement", it.funding_sources_published),
        ("En bref", "items.events_published", "Événements", it.events_published),
        ("En bref", "items.trainings_published", "Formations", it.trainings_published),
        ("En bref", "items.jobs_published", "Offres d'emploi et de volontariat", it.jobs_published),
    ]
    out += _shares("Événements par département", "items.events_by_territory", it.events_by_territory)
    out.append(("Thèmes", "items.themes_base", "Contenus publiés avec un thème", it.themes_base))
    out += _shares("Thèmes", "items.themes", it.themes)
    out.append(("Zones", "items.zones_base", "Contenus publiés avec une zone", it.zones_base))
    out += _shares("Zones", "items.zones", it.zones)
    out += [
        ("Sources", "sources.total", "Sources déclarées", src.total),
        ("Sources", "sources.enabled", "Sources suivies", src.enabled),
        ("Sources", "sources.healthy", "Sources en bon état", src.healthy),
        ("Sources", "sources.failing", "Sources en erreur", src.failing),
        ("Sources", "sources.never_run", "Sources jamais collectées", src.never_run),
    ]
    out += [("Sources", f"sources.runs.{k}", f"Collectes : {k}", n) for k, n in src.runs.items()]
    out += [
        ("Équipe", "workload.items_triaged", "Contenus triés (retenus + écartés)", w.items_triaged),
        ("Équipe", "workload.approved_events", "Décisions « retenu »", w.approved_events),
        ("Équipe", "workload.rejected_events", "Décisions « écarté »", w.rejected_events),
        (
            "Équipe",
            "workload.median_hours_to_approval",
            "Délai médian collecte → validation (h)",
            w.median_hours_to_approval,
        ),
        (
            "Propositions des membres",
            "proposals.received",
            "Propositions reçues (adresse confirmée)",
            f.proposals.received,
        ),
        ("Propositions des membres", "proposals.published", "Propositions publiées", f.proposals.published),
        ("Propositions des membres", "proposals.declined", "Propositions non retenues", f.proposals.declined),
        ("Lectures", "clicks.total", "Clics sur les contenus des envois", f.clicks.total),
    ]
    out += [("Lectures", f"clicks.items.{r.item_id}", r.title, r.clicks) for r in f.clicks.most_read]
    out += _shares("Lectures par thème", "clicks.themes", f.clicks.themes)
    out += [
        ("Lectures par thème", f"clicks.by_theme.{t.key}.{r.item_id}", f"{t.label} : {r.title}", r.clicks)
        for t in f.clicks.by_theme
        for r in t.most_read
    ]
    return out


def _shares(section: str, prefix: str, shares: list[Share]) -> list[tuple[str, str, str, Number]]:
    out: list[tuple[str, str, str, Number]] = []
    for sh in shares:
        key = sh.key or "none"
        out.append((section, f"{prefix}.{key}", sh.label, sh.count))
        out.append((section, f"{prefix}.{key}.share", f"{sh.label} (%)", round(sh.share * 100, 1)))
    return out


def rows(current: KeyFigures, previous: KeyFigures | None = None) -> list[Row]:
    """Every figure of ``current`` with the same figure of ``previous`` beside it (None when it has none)."""
    before = {key: value for _, key, _, value in _flat(previous)} if previous else {}
    prev_months = [m.month for m in previous.sends.by_month] if previous else []
    cur_months = [m.month for m in current.sends.by_month]
    out = []
    for section, key, label, value in _flat(current):
        if key.startswith("sends.by_month.") and previous is not None:
            # a month compares with the month at the same position of the previous period
            month = key.split(".")[2]
            pos = cur_months.index(month)
            prev_key = key.replace(month, prev_months[pos]) if pos < len(prev_months) else ""
            out.append(Row(section, key, label, value, before.get(prev_key)))
        else:
            out.append(
                Row(
                    section,
                    key,
                    label,
                    value,
                    before.get(key, 0 if previous is not None and value is not None else None),
                )
            )
    return out


def _fr(value: Number) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10g}".replace(".", ",")
    return str(value)


def to_csv(current: KeyFigures, previous: KeyFigures | None = None) -> str:
    """The CSV text, starting with a BOM; write it as UTF-8 bytes as is."""
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = SafeWriter(buf, number=_fr, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows(current, previous):  # labels may hold a taxonomy's or a stream's text: neutralised; numbers not
        writer.writerow([r.section, r.key, r.label, r.value, r.previous, r.change])
    return buf.getvalue()


def to_json(current: KeyFigures, previous: KeyFigures | None = None) -> dict[str, Any]:
    """One object: every field of :class:`KeyFigures`, plus ``previous`` holding the same for the period before."""
    out: dict[str, Any] = dataclasses.asdict(current)
    out["previous"] = dataclasses.asdict(previous) if previous is not None else None
    return out
