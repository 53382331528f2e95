"""The staff's issue pages through the web: roles, CSRF, bad input, edits, previews, and a whole send from
building a newsletter to the ledger, over the real digest, send loop and ledger with an in-memory mailer."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from admin.web import WebContext
from core.clock import FrozenClock
from core.model import DeliveryStatus, IssueKind, IssueStatus, Role
from delivery.mailers.base import SendResult, Verdict
from delivery.mailers.memory import MemoryMailer
from relais.web import build_web_context
from relais.web_sending import BackgroundSending
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.issues import IssueRepository
from tests.admin.conftest import csrf_of
from tests.admin.issue_world import add_item, add_subscribers, approved_calls, settings

Login = Callable[[Role], TestClient]


@pytest.fixture
def web(db: Database, clock: FrozenClock, tmp_path: Path, seam: BackgroundSending) -> WebContext:
    return build_web_context(settings(tmp_path), db, clock, secret_key="t", sending=seam)


def issues(db: Database) -> list[int]:
    with db.session() as s:
        return [i.id or 0 for i in IssueRepository(s).find()]


def build_newsletter(c: TestClient, editorial: str = "Bonne lecture !") -> int:
    token = csrf_of(c.get("/admin/issues/new").text)
    r = c.post("/admin/issues", data={"csrf_token": token, "kind": "newsletter", "editorial": editorial},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


# -- roles and CSRF ------------------------------------------------------------------------------------------------

VIEWS = ["/admin/issues", "/admin/issues/{id}", "/admin/issues/{id}/segments", "/admin/issues/{id}/preview",
         "/admin/issues/{id}/preview.html"]  # fmt: skip
STAFF_VIEWS = ["/admin/issues/new", "/admin/issues/{id}/send", "/admin/issues/{id}/ledger"]
ACTIONS = ["/admin/issues", "/admin/issues/{id}/move", "/admin/issues/{id}/remove", "/admin/issues/{id}/add",
           "/admin/issues/{id}/text", "/admin/issues/{id}/test", "/admin/issues/{id}/send",
           "/admin/issues/{id}/pause", "/admin/issues/{id}/resume", "/admin/issues/{id}/cancel",
           "/admin/issues/{id}/unschedule"]  # fmt: skip


def test_anonymous_visitors_are_sent_to_the_login_page(client: TestClient, db: Database, clock: FrozenClock) -> None:
    for path in [*VIEWS, *STAFF_VIEWS, "/admin/issues/1/progress"]:
        r = client.get(path.format(id=1), follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/admin/login?next="), path
    token = csrf_of(client.get("/admin/login").text)
    for path in ACTIONS:
        assert client.post(path.format(id=1), data={"csrf_token": token}).status_code == 401, path


def test_editors_look_but_only_staff_build_edit_and_send(
    login: Login, client: TestClient, db: Database, clock: FrozenClock
) -> None:
    approved_calls(db, clock)
    add_subscribers(db, 2)
    staff = login(Role.STAFF)
    issue_id = build_newsletter(staff)
    staff.post("/admin/logout", data={"csrf_token": csrf_of(staff.get("/admin/issues").text)})
    editor = login(Role.EDITOR)
    for path in VIEWS:
        assert editor.get(path.format(id=issue_id)).status_code == 200, path
    page = editor.get(f"/admin/issues/{issue_id}").text
    assert "Monter" not in page and "Tester puis envoyer" not in page and "Numéros et emailings" in page
    for path in STAFF_VIEWS:
        assert editor.get(path.format(id=issue_id)).status_code == 403, path
    token = csrf_of(page)
    for path in ACTIONS:
        r = editor.post(path.format(id=issue_id), data={"csrf_token": token, "item_id": "1", "kind": "newsletter"})
        assert r.status_code == 403, path
    assert issues(db) == [issue_id]


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    login: Login, db: Database, clock: FrozenClock
) -> None:
    approved_calls(db, clock)
    staff = login(Role.STAFF)
    r = staff.post("/admin/issues", data={"kind": "newsletter"})
    assert r.status_code == 403 and "CSRF" in r.text
    assert issues(db) == []
    issue_id = build_newsletter(staff)
    r = staff.post(f"/admin/issues/{issue_id}/text", data={"csrf_token": "forged", "subject": "Piraté"})
    assert r.status_code == 403
    assert staff.get(f"/admin/issues/{issue_id}").text.count("Piraté") == 0


def test_unknown_issues_answer_404(login: Login) -> None:
    staff = login(Role.STAFF)
    for path in [*VIEWS[1:], *STAFF_VIEWS[1:]]:
        assert staff.get(path.format(id=999)).status_code == 404, path


# -- building: bad input says why, in French, and stores nothing ----------------------------------------------------


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"kind": "newsletter"}, "Aucun élément approuvé"),
        ({"kind": "emailing"}, "a besoin d&#39;un thème"),
        ({"kind": "emailing", "theme": "inconnu", "subject": "x"}, "Thème inconnu : « inconnu »"),
        ({"kind": "emailing", "theme": "ecsi", "item_ids": "1"}, "pas les deux"),
        ({"kind": "emailing", "item_ids": "1, deux"}, "Numéros d&#39;éléments invalides : deux"),
        ({"kind": "emailing", "text": "Bonjour"}, "a besoin d&#39;un objet"),
        ({"kind": "emailing", "text": "Bonjour", "subject": "x" * 201}, "L&#39;objet fait 201 caractères"),
        ({"kind": "emailing", "text": "Bonjour", "subject": "a\r\nBcc: x@y.fr"}, "une seule ligne"),
        ({"kind": "autre"}, "Choisissez une lettre ou un emailing"),
        ({"kind": "emailing", "item_ids": "999", "subject": "x"}, "Élément(s) inconnu(s) : 999."),
    ],
)
def test_bad_input_is_refused_with_a_french_reason(
    login: Login, db: Database, form: dict[str, str], message: str
) -> None:
    staff = login(Role.STAFF)
    token = csrf_of(staff.get("/admin/issues/new").text)
    r = staff.post("/admin/issues", data={"csrf_token": token, **form})
    assert r.status_code == 400
    assert message in r.text, r.text
    assert issues(db) == []


def test_a_thematic_emailing_from_a_theme_or_picked_items(login: Login, db: Database, clock: FrozenClock) -> None:
    ecsi, eau, _ = approved_calls(db, clock)
    staff = login(Role.STAFF)
    token = csrf_of(staff.get("/admin/issues/new").text)
    r = staff.post("/admin/issues", data={"csrf_token": token, "kind": "emailing", "theme": "ecsi"})
    assert r.status_code == 200 and "Brouillon créé" in r.text and "Appel à projets ECSI 2027" in r.text
    r = staff.post("/admin/issues", data={"csrf_token": token, "kind": "emailing", "item_ids": f"{eau}, {ecsi}",
                                          "subject": "Eau et ECSI : deux appels"})  # fmt: skip
    assert r.status_code == 200 and "Eau et ECSI : deux appels" in r.text
    with db.session() as s:
        built = sorted(IssueRepository(s).find(kind=IssueKind.EMAILING), key=lambda i: i.id or 0)
    assert [e.item_id for e in built[1].entries] == [eau, ecsi] and built[0].audience == {"themes": ["ecsi"]}


# -- editing the draft ---------------------------------------------------------------------------------------------


def entries(db: Database, issue_id: int) -> list[int]:
    with db.session() as s:
        return [e.item_id for e in sorted(IssueRepository(s).get(issue_id).entries, key=lambda e: e.position)]


def test_staff_reorder_remove_add_and_rewrite_a_draft(login: Login, db: Database, clock: FrozenClock) -> None:
    a, b, c = approved_calls(db, clock)
    staff = login(Role.STAFF)
    issue_id = build_newsletter(staff)
    before = entries(db, issue_id)
    token = csrf_of(staff.get(f"/admin/issues/{issue_id}").text)
    post = lambda path, **data: staff.post(f"/admin/issues/{issue_id}/{path}", data={"csrf_token": token, **data})  # noqa: E731

    assert "Ordre mis à jour" in post("move", item_id=str(before[2]), direction="up").text
    assert entries(db, issue_id) == [before[0], before[2], before[1]]
    assert "plus loin dans sa rubrique" in post("move", item_id=str(before[0]), direction="up").text
    assert "retiré" in post("remove", item_id=str(b)).text
    assert b not in entries(db, issue_id)
    late = add_item(db, clock, "Formation gestion de projet à Génissieux")
    found = staff.get(f"/admin/issues/{issue_id}?q=gestion").text
    assert "Formation gestion de projet" in found and f'value="{late}"' in found
    assert f'value="{late}"' in staff.get(f"/admin/issues/{issue_id}?q=GENISSIEUX").text  # case and accents aside
    assert "ajouté" in post("add", item_id=str(late), section="featured").text
    assert entries(db, issue_id)[0] == late
    assert "déjà dans ce numéro" in post("add", item_id=str(a)).text
    assert "Élément manquant" in post("remove", item_id="x").text
    page = post("text", subject="RESA'CLIC spécial", editorial="Un numéro <b>spécial</b>").text
    assert "enregistrés" in page and "Un numéro &lt;b&gt;spécial&lt;/b&gt;" in page
    assert "une seule ligne" in post("text", subject="a\nb", editorial="").text
    assert {a, c, late} == set(entries(db, issue_id))


# -- segments and previews -----------------------------------------------------------------------------------------


def test_segments_sizes_checks_and_previews(login: Login, db: Database, clock: FrozenClock) -> None:
    approved_calls(db, clock)
    add_subscribers(db, 3)
    staff = login(Role.STAFF)
    issue_id = build_newsletter(staff)
    page = staff.get(f"/admin/issues/{issue_id}/segments").text
    assert "1 segment(s) pour 3 abonné(s)" in page
    keys = re.findall(r"preview\?segment=([0-9a-f]{16})", page)
    assert len(keys) == 1 and "conforme" in page and " Ko" in page and "<td>3</td>" in page
    # Before sending: one of the three calls has no theme (it reaches everyone), none has a zone.
    untagged = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+ sur \d+)</td>', page))
    assert untagged == {"Thèmes": "1 sur 3", "Zones": "3 sur 3", "Départements": "3 sur 3"}
    assert "Thèmes" in staff.get(f"/admin/issues/{issue_id}").text

    framed = staff.get(f"/admin/issues/{issue_id}/preview?segment={keys[0]}").text
    assert 'sandbox=""' in framed and 'width="375"' in framed and 'width="640"' in framed
    assert "Fonds eau et assainissement" in framed  # the text version, below the frames
    html = staff.get(f"/admin/issues/{issue_id}/preview.html?segment={keys[0]}")
    csp = html.headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp and "sandbox" in csp
    assert "style-src 'unsafe-inline'" in csp and html.headers["x-frame-options"] == "SAMEORIGIN"
    assert "Fonds eau et assainissement" in html.text and "RELAISx" not in html.text

    as_member = staff.get(f"/admin/issues/{issue_id}/preview?email=membre1@asso1.fr")
    assert as_member.status_code == 200 and "membre1@asso1.fr" in as_member.text
    assert staff.get(f"/admin/issues/{issue_id}/preview?email=personne@nulle.part").status_code == 404
    assert staff.get(f"/admin/issues/{issue_id}/preview?segment=0000").status_code == 404


def test_a_segment_over_gmails_limit_is_flagged(login: Login, db: Database, clock: FrozenClock) -> None:
    for n in range(120):  # long titles and links: a pasted selection far bigger than a typical issue
        add_item(db, clock, f"Appel n°{n} " + "très long titre " * 30, url=f"https://amp.example/{n}/" + "x" * 400)
    add_subscribers(db, 1)
    staff = login(Role.STAFF)
    page = staff.get(f"/admin/issues/{build_newsletter(staff)}/segments").text
    assert "au-delà de 102 Ko : Gmail le tronque" in page and "size:" in page


# -- sending -------------------------------------------------------------------------------------------------------


def test_build_edit_test_confirm_send_progress_and_ledger(
    login: Login, db: Database, clock: FrozenClock, mailer: MemoryMailer, seam: BackgroundSending
) -> None:
    approved_calls(db, clock)
    add_subscribers(db, 5)
    staff = login(Role.STAFF)
    issue_id = build_newsletter(staff)
    token = csrf_of(staff.get(f"/admin/issues/{issue_id}").text)
    staff.post(f"/admin/issues/{issue_id}/text", data={"csrf_token": token, "subject": "RESA'CLIC de décembre",
                                                      "editorial": "Bonne lecture"})  # fmt: skip

    confirm = staff.get(f"/admin/issues/{issue_id}/send").text
    assert "Envoyez d'abord une copie de test" in confirm and 'name="confirm"' not in confirm
    r = staff.post(f"/admin/issues/{issue_id}/send", data={"csrf_token": token, "confirm": "yes", "mode": "now"})
    assert r.status_code == 400 and "copie de test" in r.text and mailer.sent == []

    r = staff.post(f"/admin/issues/{issue_id}/test", data={"csrf_token": token, "addresses": "pas-une-adresse"})
    assert "Adresse invalide" in r.text and mailer.sent == []
    r = staff.post(f"/admin/issues/{issue_id}/test", data={"csrf_token": token, "addresses": "relecture@resacoop.fr"})
    assert "Copie de test envoyée à relecture@resacoop.fr" in r.text and 'id="audience-total">5<' in r.text
    assert [m.recipient for m in mailer.sent] == ["relecture@resacoop.fr"]
    assert b"[Test \xc2\xb7 " in mailer.sent[0].message or b"=?utf-8?" in mailer.sent[0].message
    with db.session() as s:
        assert DeliveryRepository(s).for_issue(issue_id) == []  # a test copy writes no ledger row

    r = staff.post(f"/admin/issues/{issue_id}/send", data={"csrf_token": token, "mode": "now"})
    assert r.status_code == 400 and "case de confirmation" in r.text
    r = staff.post(f"/admin/issues/{issue_id}/send", data={"csrf_token": token, "confirm": "yes", "mode": "now"})
    assert "Envoi lancé" in r.text
    report = seam.wait(issue_id, timeout=30)
    assert report is not None and report.outcome == "sent"
    assert sorted(m.recipient for m in mailer.sent[1:]) == sorted(f"membre{i}@asso{i}.fr" for i in range(5))

    progress = staff.get(f"/admin/issues/{issue_id}/progress", headers={"HX-Request": "true"}).text
    assert "5 / 5 terminés (100 %)" in progress and "<strong>5</strong> accepté" in progress
    assert "hx-trigger" not in progress  # done: polling stops
    assert staff.get(f"/admin/issues/{issue_id}/progress", follow_redirects=False).status_code == 303
    ledger = staff.get(f"/admin/issues/{issue_id}/ledger?status=accepted").text
    assert "5 ligne(s)" in ledger and ledger.count("2.0.0 Ok") == 5 and "membre4@asso4.fr" in ledger
    assert "0 ligne(s)" in staff.get(f"/admin/issues/{issue_id}/ledger?status=bounced").text
    assert staff.get(f"/admin/issues/{issue_id}/ledger?status=nope").status_code == 400
    listing = staff.get("/admin/issues").text
    assert "5 acceptés / 5" in listing and "envoyé" in listing
    r = staff.post(f"/admin/issues/{issue_id}/text", data={"csrf_token": token, "subject": "trop tard"})
    assert "n&#39;est plus un brouillon" in r.text


def test_the_ledger_is_paginated_and_shows_smtp_replies(
    login: Login, db: Database, clock: FrozenClock, mailer: MemoryMailer, seam: BackgroundSending
) -> None:
    approved_calls(db, clock)
    add_subscribers(db, 60)
    mailer.answer = lambda r: (SendResult(Verdict.PERMANENT, 550, "5.1.1 User unknown") if r.startswith("membre7@")
                               else SendResult(Verdict.ACCEPTED, 250, "2.0.0 Ok"))  # fmt: skip
    staff = login(Role.STAFF)
    issue_id = build_newsletter(staff)
    token = csrf_of(staff.get(f"/admin/issues/{issue_id}").text)
    staff.post(f"/admin/issues/{issue_id}/test", data={"csrf_token": token, "addresses": "bat@resacoop.fr"})
    staff.post(f"/admin/issues/{issue_id}/send", data={"csrf_token": token, "confirm": "yes", "mode": "now"})
    seam.wait(issue_id, timeout=30)
    first = staff.get(f"/admin/issues/{issue_id}/ledger").text
    assert "60 ligne(s) · page 1 / 2" in first and "Suivante" in first and first.count("<tr>") == 51
    second = staff.get(f"/admin/issues/{issue_id}/ledger?page=2").text
    assert second.count("<tr>") == 11 and "Précédente" in second
    bounced = staff.get(f"/admin/issues/{issue_id}/ledger?status=bounced").text
    assert "1 ligne(s)" in bounced and "550 5.1.1 User unknown" in bounced


def test_a_send_at_a_time_is_scheduled_and_can_be_taken_back(
    login: Login, db: Database, clock: FrozenClock, mailer: MemoryMailer
) -> None:
    approved_calls(db, clock)
    add_subscribers(db, 2)
    staff = login(Role.STAFF)
    issue_id = build_newsletter(staff)
    token = csrf_of(staff.get(f"/admin/issues/{issue_id}").text)
    staff.post(f"/admin/issues/{issue_id}/test", data={"csrf_token": token, "addresses": "bat@resacoop.fr"})
    send = lambda **d: staff.post(f"/admin/issues/{issue_id}/send", data={"csrf_token": token, "confirm": "yes", **d})  # noqa: E731
    assert "illisibles" in send(mode="later", at="demain").text
    assert "est passée" in send(mode="later", at="2020-01-01T09:00").text
    r = send(mode="later", at="2030-12-01T09:00")
    assert "Envoi programmé pour le 01/12/2030 à 09:00" in r.text
    with db.session() as s:
        issue = IssueRepository(s).get(issue_id)
    assert issue.status is IssueStatus.SCHEDULED and issue.scheduled_at is not None
    assert issue.scheduled_at.utcoffset() is not None and issue.scheduled_at.hour in (8, 9)
    assert len(mailer.sent) == 1  # only the test copy: the scheduler sends it when the time comes
    r = staff.post(f"/admin/issues/{issue_id}/unschedule", data={"csrf_token": token})
    assert "de nouveau un brouillon" in r.text


def test_pause_resume_and_cancel(
    login: Login, db: Database, clock: FrozenClock, mailer: MemoryMailer, seam: BackgroundSending
) -> None:
    approved_calls(db, clock)
    add_subscribers(db, 4)
    staff = login(Role.STAFF)
    issue_id = build_newsletter(staff)
    token = csrf_of(staff.get(f"/admin/issues/{issue_id}").text)
    lever = lambda name: staff.post(f"/admin/issues/{issue_id}/{name}", data={"csrf_token": token})  # noqa: E731
    assert "Action impossible" in lever("pause").text  # a draft is not sending
    with db.session() as s:  # a send under way, as a crash or the scheduler would leave it
        IssueRepository(s).set_status(issue_id, IssueStatus.SCHEDULED)
    from delivery.send import _start

    _start(seam._make_context(), issue_id)
    page = staff.get(f"/admin/issues/{issue_id}").text
    assert "Mettre en pause" in page and 'hx-trigger="every 2s"' in page and "0 / 4 terminés" in page
    assert "mis en pause" in lever("pause").text
    assert "Reprendre" in staff.get(f"/admin/issues/{issue_id}").text
    assert "Envoi repris" in lever("resume").text
    report = seam.wait(issue_id, timeout=30)
    assert report is not None and report.outcome == "sent" and len(mailer.sent) == 4
    cancel = staff.post(f"/admin/issues/{issue_id}/cancel", data={"csrf_token": token, "confirm": "yes"})
    assert "Action impossible" in cancel.text  # sent is final

    clock.advance(timedelta(hours=1))
    add_item(db, clock, "Appel du mois suivant")
    other = build_newsletter(staff, "Deuxième")
    with db.session() as s:
        IssueRepository(s).set_status(other, IssueStatus.SCHEDULED)
    _start(seam._make_context(), other)
    r = staff.post(f"/admin/issues/{other}/cancel", data={"csrf_token": token, "confirm": "yes"})
    assert "Brouillon créé" in r.text  # a flash left from an earlier request is kept beside the new one
    assert "4 message(s) non envoyé(s)" in r.text
    with db.session() as s:
        assert DeliveryRepository(s).counts(other)[DeliveryStatus.SKIPPED] == 4


def test_without_the_sending_seam_the_pages_say_so(
    client: TestClient, web: WebContext, login: Login, db: Database, clock: FrozenClock
) -> None:
    approved_calls(db, clock)
    web.sending = None
    staff = login(Role.STAFF)
    issue_id = build_newsletter(staff)
    token = csrf_of(staff.get(f"/admin/issues/{issue_id}").text)
    r = staff.post(f"/admin/issues/{issue_id}/test", data={"csrf_token": token, "addresses": "a@b.fr"})
    assert r.status_code == 503 and "pas configuré" in r.text
