"""CSV import: parse and decide row by row (pure), then insert in bulk.

    import_csv: bytes | decode (UTF-8, BOM or not; a line that is not UTF-8 is read as Windows-1252)
              | sniff the delimiter | map headers | parse each row (undoing the export's formula guard)
              | plan against known and suppressed addresses
              | (dry run: stop here) | insert new subscribers and their consent events in batches

Existing subscribers are never changed by an import: their consent is theirs, not the file's.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from core.clock import Clock
from core.csvcells import restore
from core.errors import InvalidInput
from core.model import (
    ConsentAction,
    ConsentOrigin,
    ImportOutcome,
    OrganisationType,
    Preferences,
    Subscriber,
    SubscriberStatus,
)
from core.text import strip_controls
from storage.database import Database
from storage.subscribers import SubscriberRepository, email_hash
from subscribers.addresses import normalise
from subscribers.preferences import Choices, parse_preferences
from subscribers.vocabulary import FAMILY_NAMES, Vocabulary, fold, split_cell, unknown_message

# Accepted spellings of each column, compared without accents, case or punctuation.
COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "mail", "courriel", "adresse"),
    "name": ("name", "nom"),
    "organisation_type": ("organisation_type", "organisation type", "type d'organisation", "organisation"),
    "kinds": ("kinds", "types"),
    "themes": ("themes", "thematiques"),
    "zones": ("zones",),
    "territories": ("territories", "territoires", "departements"),
    "streams": ("streams", "envois"),
    "frequency": ("frequency", "frequence"),
    # alerts, as an export writes them: daily | weekly | never, 0 (Monday) … 6, kinds' slugs
    "alerts": ("alerts", "alertes"),
    "alert_day": ("alert_day", "jour des alertes"),
    "alert_kinds": ("alert_kinds", "types des alertes"),
}
# Columns an export adds: read back without complaint, never trusted (an import decides status and dates).
IGNORED = {"id", "status", "created at", "confirmed at", "unsubscribed at", "legal basis"}
BATCH = 5000


def _key(header: str) -> str:
    text = unicodedata.normalize("NFKD", header.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("_", " ").replace("-", " ").replace("'", " ").split())


_ALIASES = {_key(alias): column for column, aliases in COLUMNS.items() for alias in aliases}


@dataclass(slots=True)
class RowResult:
    line: int  # in the file, header = 1
    email: str
    outcome: ImportOutcome
    reason: str = ""
    subscriber: Subscriber | None = field(default=None, repr=False)
    # What each value written in the file became: (family, as written, slug or "" when unknown).
    labels: tuple[tuple[str, str, str], ...] = ()


@dataclass
class ImportReport:
    rows: list[RowResult]
    dry_run: bool
    encoding: str
    delimiter: str

    def count(self, outcome: ImportOutcome) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def summary(self) -> dict[str, int]:
        return {str(o): self.count(o) for o in ImportOutcome}

    def labels(self, vocabulary: Vocabulary) -> list[LabelUse]:
        """Each distinct value of the file's preference and organisation cells, what it became and how often."""
        uses: dict[tuple[str, str], LabelUse] = {}
        for row in self.rows:
            for family, written, slug in row.labels:
                use = uses.get((family, written))
                if use is None:
                    became = vocabulary.name(family, slug) if slug else ""
                    use = uses[(family, written)] = LabelUse(family, written, slug, became)
                use.rows += 1
        return sorted(uses.values(), key=lambda u: (FAMILIES.index(u.family), fold(u.written)))


@dataclass(slots=True)
class LabelUse:
    family: str
    written: str
    slug: str  # "" when no value of the family matches
    became: str  # the slug's label
    rows: int = 0

    @property
    def family_name(self) -> str:
        return FAMILY_NAMES[self.family]


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding found: ``utf-8``, ``windows-1252`` or ``mixed`` (line by line)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    lines, mixed = [], False
    for raw in data.splitlines(keepends=True):
        try:
            lines.append(raw.decode("utf-8"))
            mixed = mixed or not raw.isascii()
        except UnicodeDecodeError:
            lines.append(raw.decode("cp1252", errors="replace"))
    return "".join(lines), "mixed" if mixed else "windows-1252"


def sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def map_headers(headers: Sequence[str]) -> dict[int, str]:
    """Column index -> field; :class:`InvalidInput` for a missing email column or an unknown header."""
    mapping: dict[int, str] = {}
    unknown = []
    for i, header in enumerate(headers):
        if not header.strip() or _key(header) in IGNORED:
            continue
        column = _ALIASES.get(_key(header))
        if column is None:
            unknown.append(header)
        elif column in mapping.values():
            raise InvalidInput(f"colonne en double : {header!r}")
        else:
            mapping[i] = column
    if unknown:
        known = ", ".join(COLUMNS)
        raise InvalidInput(f"colonnes inconnues : {', '.join(map(repr, unknown))} (colonnes possibles : {known})")
    if "email" not in mapping.values():
        raise InvalidInput("colonne obligatoire manquante : email")
    return mapping


def parse_csv(data: bytes, choices: Choices) -> tuple[list[RowResult], str, str]:
    """Every data row parsed into a pending subscriber, or failed with its reason. Pure.

    A cell holds several values separated by ``|``, or by ``,`` or ``;`` when that is not the column separator;
    each value is matched to its slug by :class:`subscribers.vocabulary.Vocabulary` (accents, case, labels)."""
    text, encoding = decode(data)
    if not text.strip():
        raise InvalidInput("le fichier est vide")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    mapping = map_headers(next(reader))
    results = []
    known: dict[tuple[str, ...], Parsed] = {}  # a file repeats the same few preference cells
    vocabulary = Vocabulary.of(choices)
    for cells in reader:
        line = reader.line_num
        if not "".join(cells).strip():
            continue
        # an export's text cells carry a leading ' against spreadsheet formulas: read back what was written
        # (and, like every form field, no control character)
        values = {
            column: strip_controls(restore(cells[i].strip())).strip() if i < len(cells) else ""
            for i, column in mapping.items()
        }
        results.append(_parse_row(line, values, Reading(choices, vocabulary, delimiter, known)))
    return results, encoding, delimiter


_PREFERENCE_COLUMNS = (
    "kinds", "themes", "zones", "territories", "streams", "frequency", "organisation_type", "alerts", "alert_day",
    "alert_kinds",
)  # fmt: skip
FAMILIES = ("organisation_type", "kinds", "themes", "zones", "territories", "streams", "frequency")
# The preference and organisation cells read once: the subscriber's choices, or the reason they are refused.
Parsed = tuple[Preferences | str, OrganisationType | None, tuple[tuple[str, str, str], ...]]


@dataclass(frozen=True, slots=True)
class Reading:
    choices: Choices
    vocabulary: Vocabulary
    delimiter: str
    known: dict[tuple[str, ...], Parsed]


def _parse_row(line: int, values: dict[str, str], reading: Reading) -> RowResult:
    raw_email = values.get("email", "")
    prefs, org, labels = _preferences(tuple(values.get(c, "") for c in _PREFERENCE_COLUMNS), reading)
    try:
        email = normalise(raw_email)
    except InvalidInput as exc:
        return RowResult(line, raw_email, ImportOutcome.FAILED, str(exc), labels=labels)
    if isinstance(prefs, str):
        return RowResult(line, email, ImportOutcome.FAILED, prefs, labels=labels)
    sub = Subscriber(email=email, name=values.get("name") or None, organisation_type=org, preferences=prefs)
    return RowResult(line, email, ImportOutcome.CREATED, subscriber=sub, labels=labels)


def _preferences(cells: tuple[str, ...], reading: Reading) -> Parsed:
    """Parse the preference cells once per distinct combination; each subscriber gets its own copy."""
    if cells not in reading.known:
        reading.known[cells] = _read_cells(dict(zip(_PREFERENCE_COLUMNS, cells, strict=True)), reading)
    parsed, org, labels = reading.known[cells]
    if isinstance(parsed, str):
        return parsed, org, labels
    copy = replace(
        parsed, kinds=list(parsed.kinds), themes=list(parsed.themes), zones=list(parsed.zones),
        territories=list(parsed.territories), streams=list(parsed.streams), alert_kinds=list(parsed.alert_kinds),
    )  # fmt: skip
    return copy, org, labels


def _read_cells(cells: dict[str, str], reading: Reading) -> Parsed:
    slugs: dict[str, list[str]] = {}
    labels: list[tuple[str, str, str]] = []
    errors: list[str] = []
    for family in FAMILIES:
        written = split_cell(cells[family], reading.delimiter) if family in _MANY else [cells[family].strip()]
        found, unknown = [], []
        for value in (v for v in written if v):
            slug = reading.vocabulary.slug(family, value)
            labels.append((family, value, slug or ""))
            if slug is None:
                unknown.append(value)
            else:
                found.append(slug)
        if unknown:
            errors.append(unknown_message(family, unknown))
        slugs[family] = found
    org = OrganisationType(slugs["organisation_type"][0]) if slugs["organisation_type"] else None
    if errors:
        return "; ".join(errors), org, tuple(labels)
    frequency = slugs["frequency"][0] if slugs["frequency"] else "monthly"
    data: dict[str, list[str]] = {f: slugs[f] for f in _MANY}
    if cells["alerts"].strip():  # the alerts' own columns (an export's); else the alert stream alone says weekly
        data |= {"alerts": [cells["alerts"].strip()], "alert_day": [cells["alert_day"].strip()],
                 "alert_kinds": split_cell(cells["alert_kinds"], reading.delimiter)}  # fmt: skip
    try:
        prefs = parse_preferences(data, reading.choices, frequency=frequency)
    except InvalidInput as exc:
        return str(exc), org, tuple(labels)
    return prefs, org, tuple(labels)


_MANY = ("kinds", "themes", "zones", "territories", "streams")


def plan(rows: Iterable[RowResult], existing: set[str], suppressed: set[str]) -> list[RowResult]:
    """Decide what happens to each parsed row: duplicates in the file, known or suppressed addresses. Pure."""
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        if row.outcome is ImportOutcome.CREATED:
            if row.email in seen:
                row.outcome, row.reason = ImportOutcome.DUPLICATE, f"déjà présente à la ligne {seen[row.email]}"
            elif row.email in existing:
                row.outcome, row.reason = ImportOutcome.EXISTS, "déjà inscrite : inchangée"
            elif email_hash(row.email) in suppressed:
                row.outcome, row.reason = ImportOutcome.SUPPRESSED, "adresse effacée ou bloquée : jamais réimportée"
            seen.setdefault(row.email, row.line)
        out.append(row)
    return out


def import_csv(
    db: Database,
    clock: Clock,
    data: bytes,
    choices: Choices,
    *,
    dry_run: bool = False,
    confirmed: bool = False,
    basis: str = "",
    on_pending: Callable[[Subscriber], None] | None = None,
) -> ImportReport:
    """Import a CSV file; see the module docstring. ``on_pending`` is called for each new unconfirmed subscriber
    (the CLI sends them a confirmation email); ``confirmed`` imports need the legal ``basis`` they rely on."""
    if confirmed and not basis.strip():
        raise InvalidInput("des adresses importées comme confirmées ont besoin de leur base légale (--basis)")
    parsed, encoding, delimiter = parse_csv(data, choices)
    with db.session() as s:
        repo = SubscriberRepository(s)
        rows = plan(parsed, repo.existing_emails(), repo.suppressed_hashes())
        report = ImportReport(rows, dry_run, encoding, delimiter)
        if dry_run:
            return report
        now = clock.now()
        new = [r.subscriber for r in rows if r.outcome is ImportOutcome.CREATED and r.subscriber is not None]
        for sub in new:
            sub.created_at, sub.legal_basis = now, basis.strip() or None
            if confirmed:
                sub.status, sub.confirmed_at = SubscriberStatus.CONFIRMED, now
        for start in range(0, len(new), BATCH):
            batch = new[start : start + BATCH]
            ids = repo.insert_many(batch)
            for sub in batch:
                sub.id = ids[sub.email]
            repo.log_many(_consent_rows(batch, now, basis, confirmed))
    if on_pending and not confirmed:
        for sub in new:
            on_pending(sub)
    return report


def _consent_rows(subs: Sequence[Subscriber], at: datetime, basis: str, confirmed: bool) -> Iterable[dict[str, object]]:
    details = {"basis": basis.strip(), "confirmed": confirmed}  # one object for every row: serialised once
    for sub in subs:
        yield {
            "subscriber_id": sub.id,
            "email_hash": email_hash(sub.email),
            "at": at,
            "action": str(ConsentAction.IMPORT),
            "origin": str(ConsentOrigin.IMPORT),
            "ip": None,
            "wording_version": None,
            "details": details,
        }
