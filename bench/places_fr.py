"""French départements (code, name) and the countries of each zone of the bundled taxonomy, for the extraction
benchmark: the bundled config lists only Auvergne-Rhône-Alpes, while real documents name places all over France
and the world. The départements are the watch's own list; the zones' countries are data for measuring, not used
by the watch."""

from __future__ import annotations

from watch import gazetteer

DEPARTEMENTS: list[tuple[str, str]] = list(gazetteer.DEPARTEMENTS)  # the watch's own list

# Countries (and sub-regions) that make a zone of the bundled taxonomy right, besides the zone's own keywords.
ZONE_PLACES: dict[str, list[str]] = {
    "afrique-subsaharienne": [
        "Afrique", "Burundi", "Cap-Vert", "Comores", "Djibouti", "Gabon", "Guinée équatoriale", "Mauritanie",
        "République centrafricaine", "Tchad", "République démocratique du Congo", "Rwanda", "Sao Tomé-et-Principe",
        "Ghana", "Nigeria", "Kenya", "Éthiopie", "Ouganda", "Tanzanie", "Mozambique",
    ],
    "maghreb": ["Egypte", "Égypte", "Libye", "Territoires palestiniens", "Israël", "Jordanie", "Syrie", "Irak"],
    "asie": ["Afghanistan", "Bangladesh", "Kyrgyzstan", "Kirghizistan", "Chine", "Japon", "Pakistan"],
    "amerique-latine": ["Mexique", "Équateur", "Chili", "Argentine", "Nicaragua", "Guatemala"],
    "europe": [
        "Albanie", "Allemagne", "Belgique", "Bosnie-Herzégovine", "Bulgarie", "Espagne", "Italie", "Monténégro",
        "Roumanie", "Suisse", "Turquie", "Aragon", "Emilie-Romagne", "Hesse", "Moyenne Franconie", "Portugal",
        "Pologne", "Grèce",
    ],
    "france": ["France", "Auvergne-Rhône-Alpes"],
}  # fmt: skip
