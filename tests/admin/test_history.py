"""An item's history and a subscriber's consent log as sentences: labels, tag names, dates, oui/non, no JSON."""

from __future__ import annotations

from admin.history import consent_details, item_changes

NAMES = {"afrique": "Afrique subsaharienne", "69": "Rhône", "sante": "Santé", "eau": "Eau et assainissement"}


def name(tag: str) -> str:
    return NAMES.get(tag, tag)


def test_an_item_event_in_french() -> None:
    assert item_changes({"status": ["new", "approved"], "accepted_suggestions": ["afrique"]}, name) == [
        "statut : à trier → approuvé", "suggestions acceptées : Afrique subsaharienne"]  # fmt: skip
    assert item_changes({"place": [None, "Lyon"], "featured": [False, True], "deadline": ["2026-12-12", "2026-12-22"],
                         "tags": [["afrique"], ["afrique", "69"]]}, name) == [
        "lieu : (vide) → Lyon", "à la une : non → oui", "date limite : 12/12/2026 → 22/12/2026",
        "étiquettes : Afrique subsaharienne → Afrique subsaharienne, Rhône"]  # fmt: skip
    assert item_changes({"added": ["69"], "removed": ["afrique"], "refused_suggestions": ["sante"]}, name) == [
        "étiquettes ajoutées : Rhône",
        "étiquettes retirées : Afrique subsaharienne",
        "suggestions refusées : Santé",
    ]
    watch = {"source": "AFD", "reason": "same title", "applied": False, "pending": True,
             "fields": {"title": ["Ancien", "Nouveau"]}}  # fmt: skip
    assert item_changes(watch, name) == ["source : AFD", "non appliqué", "en attente de relecture",
                                         "titre : Ancien → Nouveau"]  # fmt: skip


def test_a_consent_event_in_french_without_json() -> None:
    before = {"name": "Léa", "preferences": {"themes": ["sante"], "streams": ["newsletter"]}}
    after = {"name": "Léa M.", "preferences": {"themes": ["sante", "eau"], "streams": ["newsletter"]}}
    edit = {"by": "staff@resacoop.fr", "before": before, "after": after}
    assert consent_details(edit, name) == ["par staff@resacoop.fr", "nom : Léa → Léa M.",
                                           "thèmes : Santé → Santé, Eau et assainissement"]  # fmt: skip
    assert consent_details({"reason": "hard_bounce"}, name) == ["motif : adresse inexistante"]
    assert consent_details({"stream": "emailing"}, name) == ["pour les emailings"]
    assert consent_details({"basis": "adhérents 2026", "confirmed": True}, name) == [
        "base légale : adhérents 2026", "déjà confirmé·e : oui"]  # fmt: skip
    assert consent_details(None, name) == []
