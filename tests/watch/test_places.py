"""Zones and territories are places, not substrings: sentences written for the project, one per pattern seen on
real call pages (names inside longer names, a region that holds a département's name, a ministry, an
association named after a country, a footer, a film synopsis, common words)."""

from __future__ import annotations

from datetime import UTC, datetime

from core.model import ItemKind, Source, SourceKind
from watch.parse import parse_body
from watch.tags import Rule, compile_rules, suggest

RULES = compile_rules(
    [
        Rule("01", "territoire", ["Ain", "Bourg-en-Bresse"]),
        Rule("42", "territoire", ["Loire", "Saint-Étienne", "Roanne"]),
        Rule("43", "territoire", ["Haute-Loire"]),
        Rule("46", "territoire", ["Lot"]),
        Rule("59", "territoire", ["Nord"]),
        Rule("69", "territoire", ["Rhône", "Lyon"]),
        Rule("75", "territoire", ["Paris"]),
        Rule("26", "territoire", ["Drôme"]),
        Rule("57", "territoire", ["Moselle"]),
        Rule("europe", "zone", ["Europe", "Union européenne"]),
        Rule("afrique", "zone", ["Guinée", "Sénégal", "Côte d'Ivoire"]),
        Rule("france", "zone", ["Auvergne-Rhône-Alpes", "en région"]),
    ]
)


def tags(text: str, field: str = "body") -> dict[str, str]:
    return {s.tag: s.reason for s in suggest({field: text}, RULES)}


def test_a_region_or_a_compound_holding_a_departement_name_is_not_that_departement() -> None:
    assert tags("Appel à projets de la Région Pays de la Loire pour les associations.") == {}
    assert tags("Les porteurs de projets du Centre-Val de Loire sont éligibles.") == {}
    assert tags("Une association de Loire-Atlantique et une autre de Maine-et-Loire.") == {}
    assert set(tags("Le réseau régional d’Auvergne-Rhône-Alpes lance un appel.")) == {"france"}
    assert tags("Partenariat avec la Vallée du Rhône et les Bouches-du-Rhône.") == {}


def test_the_whole_name_still_matches_with_its_reason() -> None:
    found = tags("Un festival à Saint-Étienne, dans la Loire, et au Puy, en Haute-Loire.")
    assert found == {
        "42": "territoire : mot-clé « Loire » dans le texte",
        "43": "territoire : mot-clé « Haute-Loire » dans le texte",
    }
    assert set(tags("Rencontre à Lyon (Rhône) le 4 mars.")) == {"69"}


def test_typographic_apostrophes_accents_and_capitals_are_normalised() -> None:
    assert set(tags("Mission en Côte d’Ivoire")) == {"afrique"}
    assert set(tags("MISSION EN COTE D'IVOIRE", field="title")) == {"afrique"}
    assert set(tags("Formation à SAINT-ETIENNE")) == {"42"}


def test_a_ministry_or_an_agreement_is_not_a_zone_or_a_departement() -> None:
    assert tags("Financé par le ministère de l’Europe et des Affaires étrangères (MEAE).") == {}
    assert tags("Le Ministère français de l'Europe et des Affaires Etrangères lance l’appel.") == {}
    assert tags("Dépôt avant le 13 septembre à minuit, heure de Paris.") == {}
    assert tags("Dossier à remettre à l’AFD Paris au plus tard le 30 avril.") == {}
    assert set(tags("Un programme de l’Union européenne.")) == {"europe"}


def test_an_association_named_after_a_country_and_a_departement_number_is_not_the_country() -> None:
    assert tags("Sur ce territoire, c’est Guinée 44 qui coordonne le festival depuis dix ans.") == {}
    assert set(tags("Un projet de 18 mois en Guinée 12 mois après le premier.")) == {"afrique"}


def test_a_common_word_is_a_place_only_where_a_place_would_be() -> None:
    assert tags("Lot 2 : fournitures. Cher partenaire, les pays du Nord et du Sud coopèrent.") == {}
    assert tags("La coopération Nord-Sud et l’Afrique du Nord.") == {}
    assert set(tags("Un festival à Cahors (46000 Lot) et dans le Nord (59).")) == {"46", "59"}
    assert set(tags("Les associations de l’Ain sont invitées.")) == {"01"}


def test_places_in_the_footer_are_the_publishers_seat_not_the_action() -> None:
    text = "\n".join(
        [
            "Le réseau lance son appel à projets pour les jeunes.",
            "Les dossiers sont à déposer en ligne.",
            "Les projets se déroulent au Sénégal.",
            "Bureaux",
            "12, rue de la République – 69002 Lyon",
        ]
    )
    assert set(tags(text)) == {"afrique"}
    assert set(tags("Réunion de lancement à Lyon.\n" + text)) == {"afrique", "69"}  # named before it: kept


def test_a_film_synopsis_or_the_local_law_names_no_place_of_the_action() -> None:
    text = (
        "Programme du festival à Privas.\n"
        "« La terre qui nourrit » (2023, 97 mn). Le réalisateur suit des maraîchers de la Drôme.\n"
        "Une association loi 1901 ou loi 1908 (départements de Moselle, du Bas-Rhin et du Haut-Rhin) peut candidater."
    )
    assert tags(text) == {}


def test_collected_items_are_tagged_from_their_whole_text_not_a_600_character_summary() -> None:
    filler = "Le réseau accompagne les porteurs de projets de solidarité internationale. " * 12
    page = f"""<article class="post"><h2><a href="/a">Appel à projets 2027</a></h2>
    <div class="content"><p>{filler}</p><p>Les actions ont lieu dans le Rhône.</p>
    <p>Contact</p><p>Maison des associations, 42000 Saint-Étienne</p></div></article>"""
    source = Source(
        name="t",
        url="https://example.org/",
        kind=SourceKind.HTML,
        item_kind=ItemKind.CALL,
        options={"item": "article.post", "title": "h2", "link": "h2 a", "summary": ".content"},
    )
    [entry] = parse_body(
        source,
        page.encode(),
        "https://example.org/",
        "text/html",
        reference=datetime(2027, 1, 1, tzinfo=UTC),
        rules=RULES,
    )
    assert {t.tag for t in entry.item.suggested_tags} == {"69"}


def test_a_process_compiles_only_the_place_names_its_texts_hold() -> None:
    from watch import places
    from watch.places import strip as accents_out

    places._compiled.cache_clear()
    found = places.spans(accents_out("Un appel pour les associations du Sénégal et de la Drôme."))
    compiled = places._compiled.cache_info().currsize
    assert {s.kind for s in found} == {"country", "departement"}
    assert 0 < compiled <= 6 < len(places._known())  # not the 410 known names at the first text
