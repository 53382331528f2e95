"""« Ajouter une source » from an address: the real discovery and preview (the watch's own, through the outbound
policy) on pages served on 127.0.0.2, the only trusted address; a proposal chosen opens the ordinary form, filled
in and previewed; a source whose selectors stopped matching gets a repaired proposal on its page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from admin.web import WebContext
from core.model import ItemKind, Role, Source, SourceKind
from core.settings import Settings, WatchSettings
from storage.database import Database
from storage.sources import SourceRepository
from tests.admin.conftest import csrf_of
from tests.seed import TAXONOMY
from tests.watch.helpers import HOST, FakeResolver, file_server
from watch.service import Watch

DATA = Path(__file__).parents[1] / "watch" / "data" / "discovery"


@pytest.fixture
def web_settings() -> Settings:
    return Settings(taxonomy=TAXONOMY)  # the web context's services read it when they are built


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with file_server(DATA, HOST) as port:
        yield f"http://{HOST}:{port}"


@pytest.fixture
def watch(web: WebContext, db: Database) -> Watch:
    settings = WatchSettings(timeout=5.0, trusted_networks=[f"{HOST}/32"])
    real = Watch(db=db, settings=settings, clock=web.clock, resolver=FakeResolver())  # no name resolves
    web.discover_source = real.discover_async
    web.preview_source = real.preview_async
    return real


def hidden(page: str, form_index: int = 0) -> dict[str, str]:
    """The hidden fields of the n-th « Choisir » form of the proposals page."""
    forms = re.findall(r'<form method="post" action="/admin/sources/[^"]*proposal".*?</form>', page, re.DOTALL)
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', forms[form_index])
    return {k: html.unescape(v) for k, v in fields}


def test_pasting_a_list_page_proposes_its_list_then_the_form_filled_in_with_its_preview(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, watch: Watch, site: str, db: Database
) -> None:
    login(Role.ADMIN)
    assert 'href="/admin/sources/discover"' in client.get("/admin/sources").text  # « Ajouter une source »
    token = csrf_of(client.get("/admin/sources/discover").text)
    page = client.post("/admin/sources/discover", data={"csrf_token": token, "url": f"{site}/appels.html"})
    assert page.status_code == 200
    assert "Liste détectée dans la page" in page.text and "recommandée" in page.text
    assert "Aperçu : 6 éléments" in page.text and "Fonds régional pour les initiatives de jeunes" in page.text
    chosen = hidden(page.text)
    assert chosen["kind"] == "html" and chosen["html_item"] == "div.liste-appels > div.appel.carte"
    form = client.post("/admin/sources/new/proposal", data=chosen)
    assert form.status_code == 200
    assert 'value="div.liste-appels &gt; div.appel.carte"' in form.text  # the ordinary form, editable
    assert "Aperçu : 6 éléments" in form.text and "clôture le" in form.text
    values = {**chosen, "name": "Réseau Loire — appels", "every": "6h", "enabled": "1", "intent": "save"}
    assert client.post("/admin/sources/new", data=values, follow_redirects=False).status_code == 303
    with db.session() as s:
        saved = SourceRepository(s).by_name("Réseau Loire — appels")
    assert saved.kind == SourceKind.HTML and saved.item_kind == ItemKind.CALL
    assert saved.options["item"] == "div.liste-appels > div.appel.carte" and saved.options["deadline"] == "p.carte-date"


def test_a_page_declaring_its_feed_proposes_it_first_and_says_why_the_others_fail(
    client: TestClient, login: Callable[[Role], TestClient], watch: Watch, site: str
) -> None:
    login(Role.ADMIN)
    token = csrf_of(client.get("/admin/sources/discover").text)
    page = client.post("/admin/sources/discover", data={"csrf_token": token, "url": f"{site}/actualites.html"})
    # the feeds it declares are on maison.example.org: unknown here, refused with the policy's French reason
    assert "nom de domaine introuvable : maison.example.org" in page.text
    assert hidden(page.text)["kind"] == "html"  # what works comes first: the page's own list


def test_bad_addresses_are_answered_in_french(
    client: TestClient, login: Callable[[Role], TestClient], watch: Watch
) -> None:
    login(Role.ADMIN)
    token = csrf_of(client.get("/admin/sources/discover").text)
    empty = client.post("/admin/sources/discover", data={"csrf_token": token, "url": "  "})
    assert empty.status_code == 400 and "Collez l'adresse" in empty.text
    private = client.post("/admin/sources/discover", data={"csrf_token": token, "url": "http://10.0.0.1/appels"})
    assert "adresse interne refusée : 10.0.0.1" in private.text
    local = client.post("/admin/sources/discover", data={"csrf_token": token, "url": "/etc/passwd"})
    assert "fichier local refusé" in html.unescape(local.text)


def test_editors_cannot_add_sources(client: TestClient, login: Callable[[Role], TestClient], watch: Watch) -> None:
    login(Role.EDITOR)
    assert client.get("/admin/sources/discover", follow_redirects=False).status_code in {303, 403}


def test_a_source_whose_selectors_stopped_matching_gets_a_repaired_proposal(
    client: TestClient, login: Callable[[Role], TestClient], web: WebContext, watch: Watch, site: str, db: Database
) -> None:
    broken = Source(name="Réseau Loire — appels", url=f"{site}/appels.html", kind=SourceKind.HTML,
                    item_kind=ItemKind.CALL, every_seconds=3600 * 12, tags=["jeunesse"],
                    options={"item": "article.appel", "title": "h2"}, origin="admin")  # fmt: skip
    with db.session() as s:
        repo = SourceRepository(s)
        saved = repo.save(broken)
        assert saved.id is not None
        saved.health.runs, saved.health.zero_item_runs, saved.health.last_items = 5, 3, 0
        repo.save_health(saved.id, saved.health)
    login(Role.ADMIN)
    assert f'href="/admin/sources/{saved.id}/repair"' in client.get("/admin/sources").text
    assert "Proposer des sélecteurs réparés" in client.get(f"/admin/sources/{saved.id}").text
    page = client.get(f"/admin/sources/{saved.id}/repair")
    assert page.status_code == 200 and "Réparer « Réseau Loire — appels »" in html.unescape(page.text)
    chosen = hidden(page.text)
    assert chosen["html_item"] == "div.liste-appels > div.appel.carte"
    form = client.post(f"/admin/sources/{saved.id}/proposal", data=chosen)
    # the source's own form (its name, frequency and tags kept), the new selectors, the preview
    assert f'action="/admin/sources/{saved.id}"' in form.text and "Aperçu : 6 éléments" in form.text
    assert 'value="Réseau Loire — appels"' in html.unescape(form.text) and 'value="12h"' in form.text
