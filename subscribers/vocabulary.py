"""The words people write in a spreadsheet, matched to the taxonomy's slugs: « santé », « SANTE », « Santé » and
« sante » are one theme; « Isère » and « 38 » one département; « Lycée » an educational establishment.

A value matches a slug, a label, or a known synonym, compared without accents, case, punctuation or a final
plural ``s``/``x``. Pure; built once per import (a 100,000-row file repeats the same few cells).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from core.model import ItemKind, OrganisationType, Stream
from subscribers.preferences import Choices

# Spellings beyond the slugs and the labels of the forms.
SYNONYMS: dict[str, dict[str, Sequence[str]]] = {
    "kinds": {
        ItemKind.FUNDING: ("financement", "fonds", "subvention"),
        ItemKind.CALL: ("appel", "appel à projets", "AAP"),
        ItemKind.EVENT: ("événement", "agenda"),
        ItemKind.TRAINING: ("formation",),
        ItemKind.JOB: ("emploi", "offre d'emploi", "volontariat", "stage"),
        ItemKind.NEWS: ("actualité", "actu", "actualités"),
    },
    "streams": {
        Stream.NEWSLETTER: ("lettre", "la lettre", "newsletter", "lettre d'information"),
        Stream.EMAILING: ("emailing", "emailings thématiques", "emailings"),
    },
    "organisation_type": {
        OrganisationType.ASSOCIATION: ("association", "asso", "ONG", "OSC", "OSIM"),
        OrganisationType.LOCAL_AUTHORITY: ("collectivité", "collectivité territoriale", "commune", "mairie",
                                           "ville", "département", "région", "communauté de communes",
                                           "métropole"),
        OrganisationType.EDUCATION: ("établissement scolaire ou universitaire", "établissement scolaire",
                                     "lycée", "lycée agricole", "collège", "école", "université", "IUT",
                                     "enseignement"),
        OrganisationType.COMPANY: ("entreprise", "société", "SARL", "SAS", "SCOP"),
        OrganisationType.OTHER: ("autre",),
    },
    "frequency": {"monthly": ("mensuelle", "mensuel", "chaque mois"), "weekly": ("hebdomadaire", "chaque semaine")},
}  # fmt: skip
ORGANISATION_LABELS = {
    OrganisationType.ASSOCIATION: "Association",
    OrganisationType.LOCAL_AUTHORITY: "Collectivité territoriale",
    OrganisationType.EDUCATION: "Établissement scolaire ou universitaire",
    OrganisationType.COMPANY: "Entreprise",
    OrganisationType.OTHER: "Autre",
}
FREQUENCY_LABELS = {"monthly": "Mensuelle", "weekly": "Hebdomadaire"}
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """``text`` without accents, case, punctuation or a final plural on each word: the key values meet on."""
    text = unicodedata.normalize("NFKD", text.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = _NOT_WORD.sub(" ", text.replace("œ", "oe")).split()
    return " ".join(w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in words)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Family -> folded spelling -> slug, and family -> slug -> the label to show."""

    spellings: dict[str, dict[str, str]]
    names: dict[str, dict[str, str]]

    @classmethod
    def of(cls, choices: Choices) -> Vocabulary:
        families: dict[str, list[tuple[str, str]]] = {
            name: list(choices.family(name)) for name in ("kinds", "themes", "zones", "territories", "streams")
        }
        families["organisation_type"] = [(str(k), v) for k, v in ORGANISATION_LABELS.items()]
        families["frequency"] = list(FREQUENCY_LABELS.items())
        spellings: dict[str, dict[str, str]] = {}
        names: dict[str, dict[str, str]] = {}
        for family, pairs in families.items():
            index: dict[str, str] = {}
            for slug, label in pairs:
                for spelling in (*SYNONYMS.get(family, {}).get(slug, ()), label, slug):
                    index[fold(spelling)] = slug  # slugs and labels last: they win over a synonym
            spellings[family] = index
            names[family] = dict(pairs)
        return cls(spellings, names)

    def slug(self, family: str, value: str) -> str | None:
        return self.spellings.get(family, {}).get(fold(value))

    def name(self, family: str, slug: str) -> str:
        return self.names.get(family, {}).get(slug, slug)


# What the import says of a value it does not know, by family: gendered, singular and plural.
UNKNOWN = {
    "kinds": ("type d'information inconnu", "types d'information inconnus"),
    "themes": ("thème inconnu", "thèmes inconnus"),
    "zones": ("zone géographique inconnue", "zones géographiques inconnues"),
    "territories": ("département inconnu", "départements inconnus"),
    "streams": ("envoi inconnu", "envois inconnus"),
    "organisation_type": ("type d'organisation inconnu", "types d'organisation inconnus"),
    "frequency": ("fréquence inconnue", "fréquences inconnues"),
}
FAMILY_NAMES = {
    "kinds": "types d'information",
    "themes": "thèmes",
    "zones": "zones géographiques",
    "territories": "départements",
    "streams": "envois",
    "organisation_type": "type d'organisation",
    "frequency": "fréquence",
}


def unknown_message(family: str, values: Sequence[str]) -> str:
    one, many = UNKNOWN[family]
    return f"{one if len(values) == 1 else many} : {', '.join(f'« {v} »' for v in values)}"


def split_cell(cell: str, delimiter: str) -> list[str]:
    """The values of one cell: separated by ``|``, or by ``,`` or ``;`` when that is not the column separator."""
    separators = "|" + "".join(s for s in ",;" if s != delimiter)
    return [v.strip() for v in re.split("[" + re.escape(separators) + "]", cell) if v.strip()]
