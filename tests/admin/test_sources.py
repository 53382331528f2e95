"""Sources: health for editors; add, edit, preview, disable and collect for admins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from admin.web import WebContext
from core.errors import FetchError
from core.messages import describe
from core.model import Item, ItemKind, Role, Source, SourceKind
from core.settings import Settings
from storage.database import Database
from storage.sources import SourceRepository
from tests.admin.conftest import csrf_of
from tests.seed import TAXONOMY, seed
from watch.fetch import HttpStatusError


class FakeWatch:
    """Stands for the watch's collect-now and preview functions."""

    def __init__(self) -> None:
        self.collected: list[list[str] | None] = []
        self.previewed: list[Source] = []

    def collect_now(self, names: list[str] | None) -> None:
        self.collected.append(names)

    def preview(self, source: Source) -> list[Item]:
        self.previewed.append(source)
        if "panne" in source.url:
            raise FetchError("HTTP 503 en lisant la source")
        if "lente" in source.url:  # the watch's English, with its code
            raise FetchError("no complete answer within 20 s", code="timeout", seconds="20")
        return [Item(kind=source.item_kind, title=f"Offre n°{n} : volontariat au Bénin") for n in range(3)]


@pytest.fixture
def web_settings() -> Settings:
    return Settings(taxonomy=TAXONOMY)  # the web context's services read it when they are built


@pytest.fixture
def watch(web: WebContext, db: Database) -> FakeWatch:
    fake = FakeWatch()
    web.collect_now = fake.collect_now
    web.preview_source = fake.preview
    seed(db, web.clock.now())
    return fake


def valid(token: str, **kw: str) -> dict[str, object]:
    form: dict[str, object] = {"csrf_token": token, "name": "France Volontaires — offres",
                               "url": "https://www.france-volontaires.org/offres.rss", "kind": "feed",
                               "item_kind": "job", "every": "12h", "territory": "69", "tags": ["jeunesse"],
                               "enabled": "1", "intent": "save"}  # fmt: skip
    form.update(kw)
    return form


def test_editors_see_health_but_cannot_change(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, watch: FakeWatch, db: Database
) -> None:
    with db.session() as s:
        repo = SourceRepository(s)
        src = repo.by_name("Agenda de la solidarité")
        assert src.id is not None
        src.health.last_error = describe(
            HttpStatusError(500, "HTTP 500 Internal Server Error")
        )  # as the watch stores it
        src.health.last_error_at = web.clock.now()
        src.health.consecutive_failures = 3
        src.health.backoff_until = web.clock.now() + timedelta(hours=4)
        src.health.runs, src.health.not_modified_runs, src.health.last_items = 8, 6, 12
        repo.save_health(src.id, src.health)
    login(Role.EDITOR)
    page = client.get("/admin/sources")
    assert page.status_code == 200
    assert "HTTP 500 : erreur du serveur" in page.text and "75 %" in page.text and ">12<" in page.text
    assert "Ajouter une source" not in page.text
    r = client.post(f"/admin/sources/{src.id}/collect", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and watch.collected == [["Agenda de la solidarité"]]


def test_preview_then_save_a_new_source(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, watch: FakeWatch, db: Database
) -> None:
    login(Role.ADMIN)
    token = csrf_of(client.get("/admin/sources/new").text)
    preview = client.post("/admin/sources/new", data=valid(token, intent="preview"))
    assert preview.status_code == 200
    assert "Aperçu : 3 éléments" in preview.text and "Offre n°2 : volontariat au Bénin" in preview.text
    assert watch.previewed[0].item_kind is ItemKind.JOB and watch.previewed[0].every_seconds == 12 * 3600
    with db.session() as s:
        assert len(SourceRepository(s).find()) == 2  # a preview saves nothing
    r = client.post("/admin/sources/new", data=valid(token), follow_redirects=False)
    assert r.status_code == 303
    with db.session() as s:
        saved = SourceRepository(s).by_name("France Volontaires — offres")
    assert saved.origin == "admin" and saved.tags == ["jeunesse"] and saved.territory == "69" and saved.enabled


def test_an_html_source_with_its_selectors_is_previewed_then_saved_and_edited(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, watch: FakeWatch, db: Database
) -> None:
    login(Role.ADMIN)
    token = csrf_of(client.get("/admin/sources/new").text)
    selectors = {"html_item": "article.appel", "html_title": "h2", "html_link": "h2 a", "html_summary": ".resume",
                 "html_detail": "1", "html_detail_deadline": "p.cloture",
                 "json_title": "ignored: the source is not json"}  # fmt: skip
    form = valid(token, name="Fondation Exemple — appels", url="https://fondation.example/appels/", kind="html",
                 item_kind="call", **selectors)  # fmt: skip
    preview = client.post("/admin/sources/new", data={**form, "intent": "preview"})
    assert preview.status_code == 200
    expected = {"item": "article.appel", "title": "h2", "link": "h2 a", "summary": ".resume", "detail": True,
                "detail_deadline": "p.cloture"}  # fmt: skip
    assert watch.previewed[0].options == expected  # the preview reads the page with the selectors typed
    assert 'value="article.appel"' in preview.text  # and the form keeps them
    assert client.post("/admin/sources/new", data=form, follow_redirects=False).status_code == 303
    with db.session() as s:
        saved = SourceRepository(s).by_name("Fondation Exemple — appels")
    assert saved.options == expected and saved.id is not None

    page = client.get(f"/admin/sources/{saved.id}")
    assert 'value="article.appel"' in page.text and 'name="html_detail" value="1" checked' in page.text
    edited = {**form, "html_item": "div.appel", "html_detail": "", "html_detail_deadline": ""}
    assert client.post(f"/admin/sources/{saved.id}", data=edited, follow_redirects=False).status_code == 303
    with db.session() as s:
        assert SourceRepository(s).by_name("Fondation Exemple — appels").options == {
            "item": "div.appel",
            "title": "h2",
            "link": "h2 a",
            "summary": ".resume",
        }


def test_an_agenda_and_an_api_keep_their_own_options(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, watch: FakeWatch, db: Database
) -> None:
    login(Role.ADMIN)
    token = csrf_of(client.get("/admin/sources/new").text)
    agenda = valid(token, name="Agenda", kind="ical", item_kind="event", url="https://agenda.example/ics",
                   ical_window_days="90", ical_max_occurrences="12", ical_timezone="America/Cayenne")  # fmt: skip
    api = valid(token, name="Offres", kind="json", url="https://api.example/jobs", json_items="data",
                json_title="fields.title", json_deadline="fields.date.closing",
                json_country="fields.country.name")  # fmt: skip
    for form in (agenda, api):
        assert client.post("/admin/sources/new", data=form, follow_redirects=False).status_code == 303
    with db.session() as s:
        repo = SourceRepository(s)
        assert repo.by_name("Agenda").options == {"window_days": 90, "max_occurrences": 12,
                                                  "timezone": "America/Cayenne"}  # fmt: skip
        assert repo.by_name("Offres").options == {"items": "data", "title": "fields.title",
                                                  "deadline": "fields.date.closing",
                                                  "country": "fields.country.name"}  # fmt: skip


def test_a_failing_preview_says_why(client: TestClient, login: Callable[[Role], TestClient], watch: FakeWatch) -> None:
    login(Role.ADMIN)
    token = csrf_of(client.get("/admin/sources/new").text)
    r = client.post("/admin/sources/new", data=valid(token, intent="preview", url="https://panne.example/rss"))
    assert r.status_code == 422 and "HTTP 503 en lisant la source" in r.text


def test_a_preview_failing_in_the_watch_says_why_in_french_by_its_code(
    client: TestClient, login: Callable[[Role], TestClient], watch: FakeWatch
) -> None:
    login(Role.ADMIN)
    token = csrf_of(client.get("/admin/sources/new").text)
    r = client.post("/admin/sources/new", data=valid(token, intent="preview", url="https://lente.example/rss"))
    assert r.status_code == 422 and "délai dépassé : pas de réponse complète en 20 s" in r.text
    assert "no complete answer" not in r.text


WRONG = [
    ("name", "", "le nom est obligatoire"),
    ("name", "Agenda de la solidarité", "une source s&#39;appelle déjà"),
    ("url", "javascript:alert(1)", "seules les adresses http et https sont acceptées, pas « javascript: »"),
    ("url", "/etc/passwd", "un fichier local ne peut être une source que s&#39;il est écrit dans config.toml"),
    ("url", "file:///proc/self/environ", "un fichier local ne peut être une source que s&#39;il est écrit"),
    ("url", "config.toml", "un fichier local ne peut être une source que s&#39;il est écrit dans config.toml"),
    ("url", "https://", "sans nom d&#39;hôte"),
    ("kind", "rss2", "format inconnu"),
    ("item_kind", "blog", "type d&#39;élément inconnu"),
    ("every", "souvent", "durée illisible"),
    ("every", "1m", "au moins 5 minutes"),
    ("territory", "75", "territoire inconnu"),
    ("tags", "climat", "inconnue"),
    ("html_item", ">>", "sélecteur CSS illisible"),
    ("json_deadline", "fields. date", "chemin illisible"),
    ("ical_window_days", "0", "un nombre entier de 1 à 1830"),
    ("ical_timezone", "Europe/Lyon", "fuseau horaire inconnu"),
    ("json_base_url", "ftp://example.org/", "adresse http(s) complète"),
]
KIND_OF = {"html_item": "html", "json_deadline": "json", "ical_window_days": "ical", "ical_timezone": "ical",
           "json_base_url": "json"}  # fmt: skip


def test_a_wrong_source_is_a_400_and_nothing_is_saved(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, watch: FakeWatch, db: Database
) -> None:
    login(Role.ADMIN)
    token = csrf_of(client.get("/admin/sources/new").text)
    for field, value, message in WRONG:
        kind = KIND_OF.get(field, "feed")
        for intent in ("save", "preview"):
            r = client.post("/admin/sources/new", data=valid(token, intent=intent, **{"kind": kind, field: value}))
            assert r.status_code == 400 and message in r.text, (field, value)
    with db.session() as s:
        assert len(SourceRepository(s).find()) == 2
    assert watch.previewed == []


def test_edit_and_disable_a_source(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, watch: FakeWatch, db: Database
) -> None:
    login(Role.ADMIN)
    with db.session() as s:
        src = SourceRepository(s).by_name("Agenda de la solidarité")
    page = client.get(f"/admin/sources/{src.id}")
    assert page.status_code == 200 and 'value="https://example.org/agenda.ics"' in page.text
    token = csrf_of(page.text)
    form = valid(token, name="Agenda de la solidarité", url="https://example.org/agenda-2027.ics", kind="ical",
                 item_kind="event")  # fmt: skip
    assert client.post(f"/admin/sources/{src.id}", data=form, follow_redirects=False).status_code == 303
    assert client.post(f"/admin/sources/{src.id}/toggle", data={"csrf_token": token}).status_code == 200
    with db.session() as s:
        after = SourceRepository(s).get(src.id or 0)
    assert after.url == "https://example.org/agenda-2027.ics" and not after.enabled
    assert client.get("/admin/sources/999").status_code == 404


def test_collect_all_and_a_missing_seam(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, watch: FakeWatch
) -> None:
    login(Role.EDITOR)
    token = csrf_of(client.get("/admin/sources").text)
    assert client.post("/admin/sources/collect", data={"csrf_token": token}).status_code == 200
    assert watch.collected == [None]
    web.collect_now = None
    assert client.post("/admin/sources/collect", data={"csrf_token": token}).status_code == 503


def test_a_source_declared_in_the_config_keeps_its_local_file_but_no_form_can_point_at_another(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, watch: FakeWatch, root: Path, db: Database
) -> None:
    demo = str(root / "demo" / "sources" / "agenda.ics")
    with db.session() as s:
        src = SourceRepository(s).save(Source("Agenda du réseau", demo, SourceKind.ICAL, ItemKind.EVENT))
    login(Role.ADMIN)
    token = csrf_of(client.get(f"/admin/sources/{src.id}").text)
    form = valid(token, name="Agenda du réseau", url=demo, kind="ical", item_kind="event", every="1d")
    assert client.post(f"/admin/sources/{src.id}", data=form, follow_redirects=False).status_code == 303
    for elsewhere in ["/etc/passwd", str(root / "config.toml")]:
        r = client.post(f"/admin/sources/{src.id}", data={**form, "url": elsewhere})
        assert r.status_code == 400 and "écrit dans config.toml" in r.text
    with db.session() as s:
        assert SourceRepository(s).get(src.id or 0).url == demo
    assert [p.url for p in watch.previewed] == []  # nothing was fetched for a refused address
