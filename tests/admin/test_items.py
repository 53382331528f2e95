"""The triage queue and the item editor as an editor uses them, with and without htmx."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from admin.web import WebContext
from core.clock import FrozenClock
from core.model import ItemKind, ItemStatus, Role, Source, SourceKind
from core.settings import Settings
from curation.desk import NAMES_KEPT
from storage.database import Database
from storage.items import ItemRepository
from storage.sources import SourceRepository
from tests.admin.conftest import csrf_of
from tests.seed import TAXONOMY, past, seed


@pytest.fixture
def web_settings() -> Settings:
    return Settings(taxonomy=TAXONOMY)  # the web context's services read it when they are built


@pytest.fixture
def editor(web: WebContext, login: Callable[[Role], TestClient]) -> TestClient:
    return login(Role.EDITOR)


@pytest.fixture
def ids(web: WebContext, db: Database) -> list[int]:
    return seed(db, web.clock.now())


def titles(html: str) -> list[str]:
    import re

    return re.findall(r'class="item-title" href="/admin/items/\d+">([^<]+)<', html)


def test_the_queue_shows_new_items_newest_first_with_what_editors_need(editor: TestClient, ids: list[int]) -> None:
    page = editor.get("/admin/items")
    assert page.status_code == 200
    shown = titles(page.text)
    assert len(shown) == 6 and shown[0].startswith("Retour sur la semaine") and shown[-1].startswith("Fonds régional")
    assert "clôture dans 3 jours" in page.text and "clôture dans 40 jours" in page.text
    assert "Agence des financements (RSS)" in page.text
    assert "mot-clé « Festisol » dans le titre" in page.text  # a suggestion shows its reason
    assert "6 éléments" in page.text


FILTERS: list[tuple[str, list[str] | None]] = [
    ("kind=job", ["Chargé·e de mission agroécologie (CDD 12 mois, Grenoble)"]),
    ("territory=63", ["Retour sur la semaine de la santé mondiale à Clermont-Ferrand"]),
    ("tag=eau", ["Rencontre régionale « Eau potable et assainissement au Sahel »"]),
    ("deadline=7", ["Chargé·e de mission agroécologie (CDD 12 mois, Grenoble)"]),
    ("kind=call&deadline=14", ["Appel à projets ECSI : Festisol 2027"]),
    ("q=festisol", ["Appel à projets ECSI : Festisol 2027"]),
    ("q=" + quote("santé Clermont"), ["Retour sur la semaine de la santé mondiale à Clermont-Ferrand"]),
    ("q=100%25", []),
    ("status=approved", []),
    ("kind=nonsense&deadline=forever", None),  # meaningless filters are ignored, not errors
]


def test_filters(editor: TestClient, ids: list[int]) -> None:
    for query, expected in FILTERS:
        page = editor.get(f"/admin/items?{query}")
        assert page.status_code == 200
        if expected is None:
            assert len(titles(page.text)) == 6, query
        else:
            assert titles(page.text) == expected, query


def test_filter_by_source(editor: TestClient, web: WebContext, ids: list[int], db: Database) -> None:
    with db.session() as s:
        src = ItemRepository(s).get(ids[0]).sources[0].source_id
    assert len(titles(editor.get(f"/admin/items?source={src}").text)) == 3


def test_pagination_keeps_the_filters(editor: TestClient, web: WebContext, db: Database) -> None:
    for _ in range(9):
        seed(db, web.clock.now())  # 54 items, 50 a page
    first = editor.get("/admin/items?kind=&q=")
    assert len(titles(first.text)) == 50 and "Page 1 sur 2" in first.text
    assert 'href="/admin/items?page=2"' in first.text
    assert len(titles(editor.get("/admin/items?page=2").text)) == 4


def test_approve_without_javascript_redirects_back_with_the_filters(
    editor: TestClient, web: WebContext, ids: list[int], db: Database
) -> None:
    page = editor.get("/admin/items?kind=call")
    back = "/admin/items?kind=call"
    r = editor.post(f"/admin/items/{ids[1]}/approve", data={"csrf_token": csrf_of(page.text), "back": back},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == back
    with db.session() as s:
        item = ItemRepository(s).get(ids[1])
        events = ItemRepository(s).events(ids[1])
    assert item.status is ItemStatus.APPROVED and item.approved_by == "editor@example.org"
    assert events[0]["actor"] == "editor@example.org" and events[0]["action"] == "approved"
    assert "Élément n°" in editor.get(back).text  # the flash


def test_reject_with_htmx_answers_the_updated_row(editor: TestClient, web: WebContext, ids: list[int]) -> None:
    token = csrf_of(editor.get("/admin/items").text)
    r = editor.post(f"/admin/items/{ids[2]}/reject", data={"back": "/admin/items"},
                    headers={"HX-Request": "true", "X-CSRF-Token": token})  # fmt: skip
    assert r.status_code == 200
    assert f'id="item-{ids[2]}"' in r.text
    assert "<html" not in r.text and "Écarté" in r.text and "Remettre à trier" in r.text


def test_an_unsafe_back_target_goes_to_the_list(editor: TestClient, ids: list[int]) -> None:
    token = csrf_of(editor.get("/admin/items").text)
    r = editor.post(f"/admin/items/{ids[0]}/approve", data={"csrf_token": token, "back": "https://evil.example"},
                    follow_redirects=False)  # fmt: skip
    assert r.headers["location"] == "/admin/items"


def test_a_forbidden_transition_is_a_409_and_changes_nothing(
    editor: TestClient, web: WebContext, ids: list[int]
) -> None:
    token = csrf_of(editor.get("/admin/items").text)
    editor.post(f"/admin/items/{ids[0]}/archive", data={"csrf_token": token})
    r = editor.post(f"/admin/items/{ids[0]}/approve", data={"csrf_token": token})
    assert r.status_code == 409 and "changement d&#39;état impossible" in r.text
    assert editor.post("/admin/items/999999/approve", data={"csrf_token": token}).status_code == 404


def test_tags_accept_refuse_and_add_from_the_row(
    editor: TestClient, web: WebContext, ids: list[int], db: Database
) -> None:
    token = csrf_of(editor.get("/admin/items").text)
    hx = {"HX-Request": "true", "X-CSRF-Token": token}
    assert editor.post(f"/admin/items/{ids[0]}/tags", data={"accept": "afrique"}, headers=hx).status_code == 200
    assert editor.post(f"/admin/items/{ids[1]}/tags", data={"refuse": "ecsi"}, headers=hx).status_code == 200
    assert editor.post(f"/admin/items/{ids[1]}/tags", data={"add": "jeunesse"}, headers=hx).status_code == 200
    with db.session() as s:
        repo = ItemRepository(s)
        first, second = repo.get(ids[0]), repo.get(ids[1])
    assert first.tags == ["associations", "69", "afrique"] and first.suggested_tags == []
    assert second.tags == ["38", "jeunesse"] and second.suggested_tags == []


def test_an_unknown_tag_is_a_400_with_a_message_and_nothing_stored(
    editor: TestClient, web: WebContext, ids: list[int], db: Database
) -> None:
    token = csrf_of(editor.get("/admin/items").text)
    r = editor.post(
        f"/admin/items/{ids[0]}/tags", data={"csrf_token": token, "add": "<script>x</script>", "refuse": "afrique"}
    )
    assert r.status_code == 400 and "inconnue" in r.text and "<script>x" not in r.text
    with db.session() as s:
        assert ItemRepository(s).get(ids[0]).tags == ["associations", "69"]
        assert [t.tag for t in ItemRepository(s).get(ids[0]).suggested_tags] == ["afrique"]  # not refused either
        assert ItemRepository(s).events(ids[0]) == []


def test_bulk_actions(editor: TestClient, web: WebContext, ids: list[int], db: Database) -> None:
    token = csrf_of(editor.get("/admin/items").text)
    form = {"csrf_token": token, "action": "approve", "ids": [ids[0], ids[1]], "back": "/admin/items?kind=funding"}
    r = editor.post("/admin/items/bulk", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/items?kind=funding"
    assert "2 élément(s) approuvé(s)." in editor.get("/admin/items").text
    assert editor.post("/admin/items/bulk", data={"csrf_token": token, "action": "approve"}).status_code == 400
    assert (
        editor.post("/admin/items/bulk", data={"csrf_token": token, "action": "drop", "ids": ids[0]}).status_code == 400
    )
    assert (
        editor.post("/admin/items/bulk", data={"csrf_token": token, "action": "reject", "ids": "x"}).status_code == 400
    )
    with db.session() as s:
        assert ItemRepository(s).count(status=ItemStatus.APPROVED) == 2


def test_the_editor_shows_sources_suggestions_and_history(editor: TestClient, ids: list[int]) -> None:
    token = csrf_of(editor.get("/admin/items").text)
    editor.post(f"/admin/items/{ids[1]}/approve", data={"csrf_token": token})
    page = editor.get(f"/admin/items/{ids[1]}")
    assert page.status_code == 200
    assert "Agenda de la solidarité" in page.text and "Festisol" in page.text
    assert "approuvé" in page.text and "editor@example.org" in page.text
    assert editor.get("/admin/items/424242").status_code == 404


def test_saving_the_editor(editor: TestClient, web: WebContext, ids: list[int], db: Database) -> None:
    token = csrf_of(editor.get(f"/admin/items/{ids[0]}").text)
    form = {"csrf_token": token, "title": "Fonds régional 2027 : dépôt avant le 15 décembre", "kind": "funding",
            "summary": "Résumé revu.", "body_html": "<p>Détails <script>alert(1)</script></p>",
            "opening_date": "", "deadline": "15/12/2026", "place": "", "tags": ["associations", "afrique", "69"],
            "featured": "1", "editor_note": "Relancer la Région"}  # fmt: skip
    r = editor.post(f"/admin/items/{ids[0]}", data=form, follow_redirects=False)
    assert r.status_code == 303
    with db.session() as s:
        item = ItemRepository(s).get(ids[0])
    assert item.title.endswith("15 décembre") and item.featured and item.editor_note == "Relancer la Région"
    assert item.body_html == "<p>Détails </p>" and str(item.deadline) == "2026-12-15"
    assert item.field_origins["title"] == "editor"


def test_the_editor_edits_every_tag_family_and_keeps_what_it_does_not_show(
    editor: TestClient, web: WebContext, ids: list[int], db: Database
) -> None:
    with db.session() as s:
        repo = ItemRepository(s)
        item = repo.get(ids[0])
        item.tags = ["associations", "69", "ancien-theme"]  # a slug since removed from the taxonomy
        repo.update(item)
    page = editor.get(f"/admin/items/{ids[0]}").text
    assert 'name="tags" value="69" checked' in page  # the département is a box of its own
    assert 'name="tags" value="38" >' in page or 'name="tags" value="38">' in page
    form = {"csrf_token": csrf_of(page), "title": item.title, "tags": ["associations", "69", "38"]}
    assert editor.post(f"/admin/items/{ids[0]}", data=form, follow_redirects=False).status_code == 303
    with db.session() as s:
        assert ItemRepository(s).get(ids[0]).tags == ["associations", "69", "38", "ancien-theme"]
    form["tags"] = ["associations"]  # unchecking a département removes it
    assert editor.post(f"/admin/items/{ids[0]}", data=form, follow_redirects=False).status_code == 303
    with db.session() as s:
        assert ItemRepository(s).get(ids[0]).tags == ["associations", "ancien-theme"]


WRONG_FIELDS = [
    ("title", "<script>alert(1)</script>", "ni HTML ni script"),
    ("title", "x" * 301, "dépasse 300"),
    ("deadline", "le 32 du mois", "date illisible"),
    ("tags", "climat", "inconnue"),
]


def test_a_wrong_field_is_a_400_with_its_message_and_nothing_stored(
    editor: TestClient, web: WebContext, ids: list[int], db: Database
) -> None:
    token = csrf_of(editor.get(f"/admin/items/{ids[0]}").text)
    for field, value, message in WRONG_FIELDS:
        r = editor.post(f"/admin/items/{ids[0]}", data={"csrf_token": token, "title": "Titre valide", field: value})
        assert r.status_code == 400, field
        assert message in r.text and "Rien n'a été enregistré" in r.text, field
    with db.session() as s:
        assert ItemRepository(s).get(ids[0]).title.startswith("Fonds régional")
        assert ItemRepository(s).events(ids[0]) == []


def test_a_past_deadline_is_refused(editor: TestClient, web: WebContext, ids: list[int]) -> None:
    token = csrf_of(editor.get(f"/admin/items/{ids[0]}").text)
    today = web.clock.now().date()
    r = editor.post(f"/admin/items/{ids[0]}", data={"csrf_token": token, "deadline": past(today)})
    assert r.status_code == 400 and "est déjà passé" in r.text


def test_a_pending_update_is_accepted_or_dismissed(
    editor: TestClient, web: WebContext, ids: list[int], db: Database
) -> None:
    with db.session() as s:
        repo = ItemRepository(s)
        item = repo.get(ids[0])
        item.pending_update = {"title": {"old": item.title, "new": "Fonds régional 2027 (date prolongée)"},
                               "deadline": {"old": None, "new": "2027-01-31"}}  # fmt: skip
        repo.update(item)
    page = editor.get(f"/admin/items/{ids[0]}")
    assert "Mise à jour proposée par la source" in page.text and "date prolongée" in page.text
    token = csrf_of(page.text)
    assert editor.post(f"/admin/items/{ids[0]}/pending", data={"csrf_token": token, "decision": "x"}).status_code == 400
    r = editor.post(f"/admin/items/{ids[0]}/pending", data={"csrf_token": token, "decision": "accept"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    with db.session() as s:
        item = ItemRepository(s).get(ids[0])
    assert item.title == "Fonds régional 2027 (date prolongée)" and str(item.deadline) == "2027-01-31"
    assert item.pending_update is None
    r = editor.post(f"/admin/items/{ids[0]}/pending", data={"csrf_token": token, "decision": "dismiss"})
    assert r.status_code == 400 and "aucune mise à jour" in r.text


def test_a_row_shown_again_after_a_change_shows_the_change(editor: TestClient, ids: list[int]) -> None:
    page = editor.get("/admin/items?status=all")
    assert f'id="item-{ids[0]}" class="item-row status-new"' in page.text
    editor.post(f"/admin/items/{ids[0]}/approve", data={"csrf_token": csrf_of(page.text)})
    again = editor.get("/admin/items?status=all")
    assert f'id="item-{ids[0]}" class="item-row status-approved"' in again.text
    assert again.text.count(f'value="{csrf_of(page.text)}"') > 6  # every row's forms carry this session's token


def test_a_row_shown_again_after_its_source_is_renamed_shows_the_new_name(
    editor: TestClient, web: WebContext, ids: list[int], db: Database, clock: FrozenClock
) -> None:
    assert "Agenda de la solidarité" in editor.get("/admin/items").text
    with db.session() as s:  # renamed elsewhere: another web process, the command line
        sources = SourceRepository(s)
        agenda = sources.by_name("Agenda de la solidarité")
        agenda.name = "Agenda régional"
        sources.save(agenda)
    again = editor.get("/admin/items").text
    rows = again[again.index('id="item-') :]
    assert "Agenda régional" in rows and "Agenda de la solidarité" not in rows  # the rows at once
    clock.advance(NAMES_KEPT)  # the filter's list within NAMES_KEPT
    again = editor.get("/admin/items").text
    assert "Agenda régional" in again and "Agenda de la solidarité" not in again


def test_a_source_renamed_in_the_admin_shows_in_the_filter_at_once(
    editor: TestClient, web: WebContext, ids: list[int]
) -> None:
    assert ">Agenda de la solidarité</option>" in editor.get("/admin/items").text
    agenda = next(src for src in web.curation.sources() if src.name == "Agenda de la solidarité")
    web.curation.save_source(replace(agenda, name="Agenda régional"))
    again = editor.get("/admin/items").text
    assert ">Agenda régional</option>" in again and "Agenda de la solidarité" not in again


def test_the_filter_form_shows_the_chosen_filters_and_every_source(
    editor: TestClient, web: WebContext, ids: list[int], db: Database, clock: FrozenClock
) -> None:
    assert '<option value="job" selected>' in editor.get("/admin/items?kind=job").text
    page = editor.get("/admin/items?kind=call&q=f%C3%AAte")
    assert '<option value="call" selected>' in page.text and '<option value="job" selected>' not in page.text
    assert 'name="q" value="fête"' in page.text
    with db.session() as s:
        SourceRepository(s).save(Source("Nouvelle source", "https://example.org/n.rss", SourceKind.FEED, ItemKind.NEWS))
    clock.advance(NAMES_KEPT)  # saved by another process: shown within NAMES_KEPT
    assert ">Nouvelle source</option>" in editor.get("/admin/items?kind=call&q=f%C3%AAte").text


def test_an_item_gets_an_image_for_the_front_page_only_with_its_description(
    editor: TestClient, web: WebContext, ids: list[int], db: Database
) -> None:
    page = editor.get(f"/admin/items/{ids[0]}").text
    assert 'id="image_url" name="image_url"' in page and 'id="image_alt" name="image_alt"' in page
    form = {"csrf_token": csrf_of(page), "title": "Fonds régional", "featured": "1",
            "image_url": "https://resacoop.example/une.jpg", "image_alt": ""}  # fmt: skip
    r = editor.post(f"/admin/items/{ids[0]}", data=form, follow_redirects=False)
    assert r.status_code == 400 and "décrivez l&#39;image" in r.text
    for wrong in ("javascript:alert(1)", "data:image/png;base64,AAAA", "/static/une.jpg", "file:///etc/passwd"):
        r = editor.post(f"/admin/items/{ids[0]}", data={**form, "image_url": wrong, "image_alt": "x"})
        assert r.status_code == 400 and "commençant par http:// ou https://" in r.text, wrong
    with db.session() as s:
        assert ItemRepository(s).get(ids[0]).image_url is None
    form["image_alt"] = "Les membres du réseau réunis à Lyon"
    assert editor.post(f"/admin/items/{ids[0]}", data=form, follow_redirects=False).status_code == 303
    with db.session() as s:
        item = ItemRepository(s).get(ids[0])
    assert (item.image_url, item.image_alt) == (
        "https://resacoop.example/une.jpg",
        "Les membres du réseau réunis à Lyon",
    )
    page = editor.get(f"/admin/items/{ids[0]}").text
    assert 'value="https://resacoop.example/une.jpg"' in page and "image à la une" in page  # the history, in French
