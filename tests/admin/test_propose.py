"""``/propose`` through the app: the French form a member's site can post to directly, the confirmation page,
the served image, the embeddable snippet, every bad input of the issue answered in French with nothing stored,
and the editor's rejection reason reaching the proposer."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select
from starlette.testclient import TestClient

from admin.web import WebContext
from core.clock import FrozenClock
from core.model import Role
from relais.proposals import build_proposals, upload_limits
from relais.web import build_web_context
from relais.wiring import Services
from storage.database import Database
from storage.items import ItemRepository
from storage.tables import ItemRow, ProposalRow
from tests.admin.conftest import csrf_of
from tests.curation.proposal_world import BASE, FakeMailer, form, jpeg_with_exif, settings_for


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def web(db: Database, clock: FrozenClock, tmp_path: Path, mailer: FakeMailer) -> WebContext:
    settings = settings_for(tmp_path)
    services = Services(settings=settings, db=db, clock=clock)
    return build_web_context(settings, db, clock, secret_key="test-secret", proposals=build_proposals(services, mailer),
                             upload_limits=upload_limits(services))  # fmt: skip


def count(db: Database, table: Any) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def post(client: TestClient, image: bytes | None = None, lists: dict[str, list[str]] | None = None, /,
         **changes: str) -> Any:  # fmt: skip
    data: dict[str, Any] = {**form(**changes), **(lists or {})}
    files = {"image": ("affiche.jpg", image, "image/jpeg")} if image is not None else None
    return client.post("/propose", data=data, files=files)


def confirm_path(mailer: FakeMailer) -> str:
    return mailer.last("proposal_confirm").links["confirm"].removeprefix(BASE)


def test_the_form_is_french_named_like_the_item_and_has_a_honeypot(client: TestClient) -> None:
    page = client.get("/propose")
    assert page.status_code == 200 and 'lang="fr"' in page.text and "Proposer une information" in page.text
    for name in ("kind", "title", "body", "link", "deadline", "starts_at", "ends_at", "place", "organisation",
                 "email", "themes", "territories", "image"):  # fmt: skip
        assert f'name="{name}"' in page.text, name
    assert 'enctype="multipart/form-data"' in page.text and 'name="website"' in page.text
    assert "<script" not in page.text
    assert '<a href="/propose">Proposer une information</a>' in client.get("/subscribe").text  # every public page


def test_propose_confirm_and_see_the_image(client: TestClient, db: Database, mailer: FakeMailer) -> None:
    r = post(client, jpeg_with_exif(), {"themes": ["education"], "territories": ["69"]}, image_alt="L'affiche")
    assert r.status_code == 200 and "Vérifiez votre messagerie" in r.text
    assert count(db, ProposalRow) == 1 and count(db, ItemRow) == 0
    page = client.get(confirm_path(mailer))
    assert page.status_code == 200 and "Je confirme ma proposition" in page.text and count(db, ItemRow) == 0
    done = client.post(confirm_path(mailer))
    assert done.status_code == 200 and "Proposition confirmée" in done.text
    with db.session() as s:
        (item,) = ItemRepository(s).find()
    assert item.image_url is not None and item.tags == ["education", "69"]
    shown = client.get(item.image_url.removeprefix(BASE))
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert b"SecretCam" not in shown.content
    with Image.open(io.BytesIO(shown.content)) as img:
        assert not img.getexif()
    again = client.post(confirm_path(mailer))
    assert again.status_code == 400 and "déjà confirmée" in html.unescape(again.text) and count(db, ItemRow) == 1
    assert client.get("/propose/images/..%2Fsecret_key").status_code == 404
    assert client.get("/propose/images/nothing.jpg").status_code == 404


def test_a_members_site_posts_directly_without_token_or_cookie(web: WebContext, mailer: FakeMailer) -> None:
    from admin.app import create_app

    with TestClient(create_app(web), base_url="https://membre.example.org") as fresh:
        r = fresh.post("/propose", data=form(title="Offre de volontariat\x00 \u202eau Bénin", kind="job",
                                             starts_at="", ends_at="", deadline="2026-12-15"))  # fmt: skip
    assert r.status_code == 200, r.text
    assert mailer.last("proposal_confirm").links["title"] == "Offre de volontariat au Bénin"  # controls removed


def test_the_embeddable_snippet_posts_here_with_the_items_field_names(client: TestClient) -> None:
    page = client.get("/propose/embed")
    assert page.status_code == 200 and "Formulaire de proposition à intégrer" in page.text
    assert "action=&#34;https://lettre.example.org/propose&#34;" in page.text or "/propose" in page.text
    for name in ("kind", "title", "body", "link", "deadline", "starts_at", "ends_at", "organisation", "email",
                 "themes", "territories", "image", "website"):  # fmt: skip
        assert f"name=&#34;{name}&#34;" in page.text or f'name="{name}"' in page.text, name


@pytest.mark.parametrize(
    ("changes", "image", "status", "words"),
    [
        ({"body": "Bonjour <script>alert(1)</script>"}, None, 400, "contient du code"),
        ({"body": "mot " * 3_000}, None, 400, "trop long"),
        ({}, b"GIF89a not really", 400, "pas une image lisible"),
        ({}, b"\xff\xd8" + b"\x00" * 5_500_000, 400, "trop lourde"),
        ({"starts_at": "2026-11-20T18:00", "ends_at": "2026-11-20T09:00"}, None, 400, "se termine avant"),
        ({"kind": "call", "deadline": "2026-10-01", "starts_at": "", "ends_at": ""}, None, 400, "déjà passée"),
        ({"link": "http://127.0.0.1/admin"}, None, 400, "adresse interne"),
        ({"email": "pas-une-adresse"}, None, 400, "adresse électronique invalide"),
    ],
)
def test_bad_input_gets_a_french_message_and_nothing_is_stored(
    client: TestClient, db: Database, mailer: FakeMailer, tmp_path: Path,
    changes: dict[str, str], image: bytes | None, status: int, words: str,
) -> None:  # fmt: skip
    r = post(client, image, **changes)
    text = html.unescape(r.text)
    assert r.status_code == status and words.lower() in text.lower() and "Rien n'a été enregistré" in text, text[-800:]
    assert 'role="alert"' in r.text and 'aria-invalid="true"' in r.text
    assert count(db, ProposalRow) == 0 and mailer.sent == []
    assert not (tmp_path / "proposals").exists() or not any((tmp_path / "proposals").iterdir())


def test_a_megabyte_of_text_beside_an_image_is_refused_in_french(client: TestClient, db: Database) -> None:
    files = {"image": ("affiche.jpg", b"", "image/jpeg")}  # multipart: Starlette caps each text part at 1 MB
    r = client.post("/propose", data=form(body="x" * 1_200_000), files=files)
    text = html.unescape(r.text)
    assert r.status_code == 400 and "beaucoup trop long" in text and "Rien n'a été enregistré" in text
    assert "exceeded" not in text and count(db, ProposalRow) == 0


def test_a_30_mb_image_is_stopped_at_the_door(client: TestClient, db: Database) -> None:
    r = post(client, b"\xff\xd8" + b"\x00" * 30_000_000)
    assert r.status_code == 413 and "trop volumineuse" in r.text and "rien n'a été enregistré" in html.unescape(r.text)
    assert count(db, ProposalRow) == 0


def test_the_typed_fields_come_back_escaped_after_a_refusal(client: TestClient) -> None:
    r = post(client, title='"><b>gras</b>', ends_at="2026-11-19T10:00")
    assert r.status_code == 400 and "&lt;b&gt;gras&lt;/b&gt;" in r.text and "<b>gras</b>" not in r.text


def test_a_flood_from_one_address_is_told_to_wait(client: TestClient, db: Database) -> None:
    for _ in range(3):
        assert post(client).status_code == 200
    r = post(client)
    assert r.status_code == 429 and "Trop de propositions pour cette adresse" in html.unescape(r.text)
    assert count(db, ProposalRow) == 3


def test_an_unconfirmed_or_forged_link_makes_no_item(client: TestClient, db: Database, mailer: FakeMailer) -> None:
    post(client)
    forged = confirm_path(mailer)[:-4] + "AAAA"
    assert client.post(forged).status_code == 400 and count(db, ItemRow) == 0
    assert client.get(forged).status_code == 400


def test_the_editors_reason_reaches_the_proposer(
    client: TestClient, db: Database, mailer: FakeMailer, login: Callable[[Role], TestClient]
) -> None:
    post(client)
    client.post(confirm_path(mailer))
    with db.session() as s:
        (item,) = ItemRepository(s).find()
    editor = login(Role.EDITOR)
    page = editor.get(f"/admin/items/{item.id}")
    assert 'name="reason"' in page.text
    assert "Proposé par Association Terre Solidaire" in html.unescape(page.text)
    assert "Le membre sera prévenu" in page.text
    assert "contact@asso.example.org" not in page.text  # the address serves the member's emails only
    r = editor.post(f"/admin/items/{item.id}/reject", data={"csrf_token": csrf_of(page.text), "reason": "Trop tard",
                                                             "back": f"/admin/items/{item.id}"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    declined = mailer.last("proposal_declined")
    assert declined.email == "contact@asso.example.org" and declined.links["reason"] == "Trop tard"


def test_the_history_tells_the_proposal_and_the_reason_in_french() -> None:
    from admin.history import item_changes

    assert item_changes({"proposal": 3, "organisation": "Terre Solidaire"}, str) == [
        "proposition d'un membre n° : 3", "organisation : Terre Solidaire"
    ]  # fmt: skip
    assert "motif : Trop tard" in item_changes({"status": ["new", "rejected"], "rejection_reason": "Trop tard"}, str)


def test_a_bot_gets_the_usual_answer_and_nothing_is_stored(
    client: TestClient, db: Database, mailer: FakeMailer
) -> None:
    r = post(client, website="https://casino.example")
    assert r.status_code == 200 and "Vérifiez votre messagerie" in r.text
    assert count(db, ProposalRow) == 0 and mailer.sent == []


def test_closed_when_proposals_are_disabled(client: TestClient, web: WebContext) -> None:
    web.settings.proposals.enabled = False
    r = client.post("/propose", data=form())
    assert r.status_code == 404 and "Les propositions ne sont pas ouvertes" in html.unescape(r.text)
    assert 'href="/propose"' not in client.get("/subscribe").text
