"""Tag suggestions: accent- and case-insensitive keywords, abbreviations in capitals only, a reason for each."""

from __future__ import annotations

from watch.tags import Rule, _strip_accents, compile_rules, fold, suggest

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
        assert fold(text) == _strip_accents(text).replace("’", "'").casefold()


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
        assert _strip_accents(text) == reference(text)
