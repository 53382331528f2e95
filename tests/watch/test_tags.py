"""Tag suggestions: accent- and case-insensitive keywords, abbreviations in capitals only, a reason for each."""

from __future__ import annotations

from core.text import strip_accents
from watch.tags import Rule, compile_rules, fold, suggest

RULES = compile_rules(
    [
        Rule("ecsi", "thème", ["ECSI", "éducation à la citoyenneté"]),
        Rule("odd", "thème", ["ODD"]),
        Rule("jeunesse", "thème", ["VSI", "service civique"]),
        Rule("afrique", "zone", ["Sénégal", "Burkina Faso"]),
    ]
)


def tags(**fields: str) -> dict[str, str]:
    return {s.tag: s.reason for s in suggest(fields, RULES)}


def test_accents_and_case_do_not_matter_for_words() -> None:
    found = tags(title="Projet au SENEGAL", summary="EDUCATION A LA CITOYENNETE pour tous")
    assert set(found) == {"afrique", "ecsi"}
    assert found["afrique"] == "zone : mot-clé « Sénégal » dans le titre"


def test_abbreviations_match_in_capitals_only() -> None:
    assert tags(title="An odd request", summary="mon ami Vsi") == {}
    assert set(tags(title="Festival des ODD", summary="Partir en VSI")) == {"odd", "jeunesse"}


def test_abbreviations_match_their_spelled_out_form_and_back() -> None:
    assert "jeunesse" in tags(summary="Un volontariat de solidarité internationale de 24 mois")
    assert "odd" in tags(summary="Les objectifs de développement durable à l'école")
    assert "ecsi" in tags(summary="Une formation ECSI")


def test_whole_words_only_and_existing_tags_are_not_suggested_again() -> None:
    assert tags(title="Burkina Fasoland") == {}
    assert suggest({"title": "ECSI au Sénégal"}, RULES, already=["ecsi"])[0].tag == "afrique"


def test_suggest_folds_each_field_once_as_fold_would() -> None:
    # suggest() derives the folded text from the accent-stripped one instead of normalising twice
    for text in ["Éducation à la citoyenneté", "L’ECSI", "İstanbul ǰ ﬁlière", "STRASSE Straße", "Ǆemal"]:
        assert fold(text) == strip_accents(text).replace("’", "'").casefold()


def test_strip_accents_per_character_equals_decomposing_the_whole_text() -> None:
    import unicodedata

    def reference(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))

    samples = [
        "Clôture des candidatures : 15 février 2027 — Sénégal, Côte d’Ivoire",
        "e\u0301te\u0301 de\u0301compose\u0301",  # already decomposed: base letters then combining accents
        "ﬁlière œuvre Æsir ½ ² № 한국어 Ελληνικά ǅ",
        "plain ASCII only",
        "",
    ]
    for text in samples:
        assert strip_accents(text) == reference(text)


def test_the_quick_word_test_never_rules_out_a_rule_that_matches() -> None:
    from pathlib import Path

    from core.settings import load_settings
    from watch.service import taxonomy_rules
    from watch.tags import _first_hit

    rules = taxonomy_rules(load_settings(Path(__file__).parents[2] / "config.toml").taxonomy)
    texts = [
        "Appel à projets (AAP) eau potable et assainissement au Burkina Faso — 1 % eau, loi Oudin",
        "L’ECSI et la citoyenneté mondiale pendant le Festisol ; VIH/paludisme, santé.",
        "AMI agroécologie : souveraineté alimentaire et maraîchage au Sénégal (ODD 2)",
        "Volontariat de solidarité internationale, VSI, jeunesse, service civique à Lyon (69)",
        "an odd friend, ami, eau-de-vie, hydrauliques, forages",
    ]
    hits = 0
    for title in texts:
        for summary in texts:
            fields = {"title": title, "summary": summary}
            got = {t.tag: t.reason for t in suggest(fields, rules)}
            original = {k: strip_accents(v) for k, v in fields.items()}
            folded = {k: v.replace("’", "'").casefold() for k, v in original.items()}
            expected = {r.tag: hit for r in rules if (hit := _first_hit(r, folded, original))}
            assert got == expected
            hits += len(got)
    assert hits > 50  # the texts do hit rules
