"""Staff tools for subscribers, through the real app: search, the file of one person, edit, suppress, erase,
the segment preview, the CSV import (dry run, then import) and the exports."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from admin.web import WebContext
from core.clock import FrozenClock
from core.model import (
    BounceKind,
    ConsentAction,
    ConsentOrigin,
    ItemKind,
    OrganisationType,
    Preferences,
    Role,
    Stream,
    Subscriber,
    SubscriberStatus,
)
from core.settings import Settings, load_settings
from relais.web import build_web_context
from storage.database import Database
from storage.subscribers import SubscriberRepository, email_hash
from subscribers import segments
from subscribers.importer import parse_csv
from subscribers.kit import make_kit
from subscribers.preferences import Choices
from tests.admin.conftest import csrf_of
from tests.subscribers.conftest import SECRET, FakeMailer

ROOT = Path(__file__).resolve().parents[2]
Login = Callable[[Role], TestClient]


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def web(db: Database, clock: FrozenClock, mailer: FakeMailer, tmp_path: Path) -> WebContext:
    """The app with the project's taxonomy, the subscriber kit (emails caught) and uploads in a temp folder."""
    settings: Settings = load_settings(ROOT / "config.toml", environ={})
    kit = make_kit(db, clock, settings, SECRET, mailer)
    return build_web_context(settings, db, clock, secret_key="test-secret",
                             subscribers=kit, upload_dir=tmp_path / "uploads")  # fmt: skip


def add(db: Database, clock: FrozenClock, email: str, status: SubscriberStatus = SubscriberStatus.CONFIRMED,
        **kw: object) -> int:  # fmt: skip
    sub = Subscriber(email=email, status=status, **kw)  # type: ignore[arg-type]
    sub.created_at = clock.now()
    with db.session() as s:
        repo = SubscriberRepository(s)
        repo.save(sub)
        repo.log(sub, ConsentAction.CONFIRM, ConsentOrigin.LINK, clock.now(), ip="192.0.2.7")
    assert sub.id is not None
    return sub.id


def get(db: Database, subscriber_id: int) -> Subscriber:
    with db.session() as s:
        return SubscriberRepository(s).get(subscriber_id)


def token(client: TestClient, path: str = "/admin/subscribers") -> str:
    return csrf_of(client.get(path).text)


# -- roles -----------------------------------------------------------------------------------------------------

PAGES = ["/admin/subscribers", "/admin/subscribers/segments", "/admin/subscribers/import",
         "/admin/subscribers/export.csv", "/admin/subscribers/export.json"]  # fmt: skip


def test_nobody_logged_in_is_sent_to_the_login_page(client: TestClient, db: Database, clock: FrozenClock) -> None:
    sid = add(db, clock, "lea@exemple.fr")
    for path in PAGES:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/admin/login"), path
    for path in [f"/admin/subscribers/{sid}", f"/admin/subscribers/{sid}/erase", "/admin/subscribers/import/run"]:
        assert client.post(path, data={"confirm_email": "lea@exemple.fr"}).status_code == 401, path
    assert get(db, sid).email == "lea@exemple.fr"


def test_editors_get_403_on_every_page(login: Login, db: Database, clock: FrozenClock) -> None:
    sid = add(db, clock, "lea@exemple.fr")
    client = login(Role.EDITOR)
    assert "/admin/subscribers" not in client.get("/admin/").text  # not in their navigation either
    for path in [*PAGES, f"/admin/subscribers/{sid}", f"/admin/subscribers/{sid}/erase"]:
        assert client.get(path).status_code == 403, path
    csrf = csrf_of(client.get("/admin/").text)
    for path in [f"/admin/subscribers/{sid}", f"/admin/subscribers/{sid}/suppress",
                 f"/admin/subscribers/{sid}/erase", "/admin/subscribers/import/run"]:  # fmt: skip
        assert client.post(path, data={"csrf_token": csrf, "confirm_email": "lea@exemple.fr"}).status_code == 403
    assert get(db, sid).email == "lea@exemple.fr"


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
def test_staff_and_admins_open_every_page(login: Login, role: Role, db: Database, clock: FrozenClock) -> None:
    sid = add(db, clock, "lea@exemple.fr")
    client = login(role)
    assert 'href="/admin/subscribers"' in client.get("/admin/").text
    for path in [*PAGES, f"/admin/subscribers/{sid}", f"/admin/subscribers/{sid}/erase"]:
        assert client.get(path).status_code == 200, path


# -- search ----------------------------------------------------------------------------------------------------


def test_search_by_address_name_status_and_organisation_with_pages(login: Login, db: Database,
                                                                   clock: FrozenClock) -> None:  # fmt: skip
    for i in range(60):
        add(db, clock, f"membre{i:02d}@asso.example", organisation_type=OrganisationType.ASSOCIATION)
    add(db, clock, "camille.durand@mairie.example", name="Camille Durand",
        organisation_type=OrganisationType.LOCAL_AUTHORITY)  # fmt: skip
    add(db, clock, "pending@asso.example", SubscriberStatus.PENDING, name="100%_réel")
    client = login(Role.STAFF)

    page1 = client.get("/admin/subscribers", params={"q": "ASSO.example"}).text
    assert "61 abonné(s) trouvé(s)" in page1 and "page 1 / 2" in page1
    assert len(re.findall(r'href="/admin/subscribers/\d+"', page1)) == 50
    page2 = client.get("/admin/subscribers", params={"q": "asso.example", "page": 2}).text
    assert "page 2 / 2" in page2 and "membre00@asso.example" in page2  # newest first: the oldest come last

    by_name = client.get("/admin/subscribers", params={"q": "durand"}).text
    assert "1 abonné(s) trouvé(s)" in by_name and "camille.durand@mairie.example" in by_name
    assert "1 abonné(s)" in client.get("/admin/subscribers", params={"status": "pending"}).text
    assert "1 abonné(s)" in client.get("/admin/subscribers", params={"org": "local_authority"}).text
    # LIKE wildcards in the query are literal characters
    assert "1 abonné(s)" in client.get("/admin/subscribers", params={"q": "100%_"}).text
    assert "1 abonné(s)" in client.get("/admin/subscribers", params={"q": "%"}).text  # only the name with a %
    assert "0 abonné(s)" in client.get("/admin/subscribers", params={"q": "membre_0"}).text


def test_accents_case_and_internationalised_domains_as_people_write_them(
    login: Login, db: Database, clock: FrozenClock
) -> None:
    sub_id = add(db, clock, "contact@xn--cole-9oa.example", name="Hélène Lefèvre")
    client = login(Role.STAFF)
    for q in ("helene", "HÉLÈNE", "lefevre", "école"):
        page = client.get("/admin/subscribers", params={"q": q}).text
        assert "1 abonné(s) trouvé(s)" in page, q
        assert "contact@école.example" in page and "xn--" not in page, q
    file = client.get(f"/admin/subscribers/{sub_id}").text
    assert "<h1>contact@école.example</h1>" in file


def test_malformed_filters_get_a_400_page(login: Login) -> None:
    client = login(Role.STAFF)
    for params in ({"status": "vip"}, {"org": "secte"}, {"page": "0"}, {"page": "abc"}):
        r = client.get("/admin/subscribers", params=params)
        assert r.status_code == 400 and "Erreur 400" in r.text, params
    assert client.get("/admin/subscribers/999999").status_code == 404


# -- one subscriber --------------------------------------------------------------------------------------------


def test_the_file_shows_preferences_status_consent_log_bounces_and_deliveries(
    login: Login, web: WebContext, db: Database, clock: FrozenClock
) -> None:
    prefs = Preferences(kinds=[ItemKind.EVENT], themes=["sante"], streams=[Stream.NEWSLETTER])
    sid = add(db, clock, "lea@exemple.fr", name="Léa", preferences=prefs)
    web.subscribers.bounces.record(sid, BounceKind.SOFT, "smtp", "452 mailbox full")
    html = login(Role.STAFF).get(f"/admin/subscribers/{sid}").text
    assert "Léa" in html and "confirmé·e" in html
    assert re.search(r'value="sante" checked', html) and re.search(r'value="event" checked', html)
    assert not re.search(r'value="emailing" checked', html)
    log = html.split('id="consent-log"')[1]
    assert "confirm" in log and "192.0.2.7" in log
    assert "452 mailbox full" in html
    assert "<strong>0</strong> messages dans le registre" in html


def test_staff_edit_preferences_and_the_log_says_admin(login: Login, db: Database, clock: FrozenClock) -> None:
    sid = add(db, clock, "lea@exemple.fr")
    client = login(Role.STAFF)
    csrf = token(client, f"/admin/subscribers/{sid}")
    form = {"csrf_token": csrf, "name": "Léa Martin", "organisation_type": "education", "frequency": "monthly",
            "streams": ["emailing"], "themes": ["eau", "sante"], "territories": ["01"]}  # fmt: skip
    r = client.post(f"/admin/subscribers/{sid}", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert "Modifications enregistrées" in client.get(f"/admin/subscribers/{sid}").text
    sub = get(db, sid)
    assert sub.name == "Léa Martin" and sub.organisation_type == OrganisationType.EDUCATION
    assert sub.preferences.streams == [Stream.EMAILING] and set(sub.preferences.themes) == {"eau", "sante"}
    with db.session() as s:
        last = SubscriberRepository(s).consent_events(sid)[-1]
    assert (last["action"], last["origin"]) == ("admin_edit", "admin")
    assert last["details"]["by"] == "staff@example.org"
    assert last["details"]["before"]["preferences"]["streams"] == ["newsletter", "emailing"]


def test_bad_edits_are_refused_and_change_nothing(login: Login, db: Database, clock: FrozenClock) -> None:
    sid = add(db, clock, "lea@exemple.fr", name="Léa")
    client = login(Role.STAFF)
    csrf = token(client, f"/admin/subscribers/{sid}")
    base = {"csrf_token": csrf, "name": "X", "frequency": "monthly", "streams": ["newsletter"]}
    unknown = client.post(f"/admin/subscribers/{sid}", data={**base, "themes": ["astrologie"]})
    assert unknown.status_code == 400 and "astrologie" in unknown.text
    assert 'value="X"' in unknown.text  # the form comes back as typed
    no_stream = client.post(f"/admin/subscribers/{sid}", data={**base, "streams": []})
    assert no_stream.status_code == 400 and "au moins un envoi" in no_stream.text
    bad_org = client.post(f"/admin/subscribers/{sid}", data={**base, "organisation_type": "secte"})
    assert bad_org.status_code == 400
    no_csrf = client.post(f"/admin/subscribers/{sid}", data={**base, "csrf_token": "forged"})
    assert no_csrf.status_code == 403
    assert get(db, sid).name == "Léa"


def test_suppress_then_lift_and_a_complaint_stays(login: Login, web: WebContext, db: Database,
                                                  clock: FrozenClock) -> None:  # fmt: skip
    sid = add(db, clock, "lea@exemple.fr")
    client = login(Role.STAFF)
    csrf = token(client, f"/admin/subscribers/{sid}")
    assert client.post(f"/admin/subscribers/{sid}/suppress", data={"note": "demande par téléphone"}).status_code == 403
    client.post(f"/admin/subscribers/{sid}/suppress", data={"csrf_token": csrf, "note": "demande par téléphone"})
    with db.session() as s:
        repo = SubscriberRepository(s)
        assert repo.suppression_reason("lea@exemple.fr") == "staff"
        event = repo.consent_events(sid)[-1]
    assert (event["action"], event["origin"], event["details"]["note"]) == (
        "suppress",
        "admin",
        "demande par téléphone",
    )
    page = client.get(f"/admin/subscribers/{sid}").text
    assert "suspendue par l&#39;équipe" in page and "Lever la suspension" in page
    twice = client.post(f"/admin/subscribers/{sid}/suppress", data={"csrf_token": csrf})  # said, nothing changes
    assert "déjà suspendue" in twice.text
    client.post(f"/admin/subscribers/{sid}/unsuppress", data={"csrf_token": csrf})
    with db.session() as s:
        assert SubscriberRepository(s).suppression_reason("lea@exemple.fr") is None

    hard = add(db, clock, "hard@exemple.fr")
    web.subscribers.bounces.record(hard, BounceKind.HARD, "smtp", "550 no such user")
    assert get(db, hard).status == SubscriberStatus.BOUNCED
    client.post(f"/admin/subscribers/{hard}/unsuppress", data={"csrf_token": csrf})
    assert get(db, hard).status == SubscriberStatus.CONFIRMED  # the address was fixed: staff may bring it back

    angry = add(db, clock, "angry@exemple.fr")
    web.subscribers.bounces.record(angry, BounceKind.COMPLAINT, "arf", "spam")
    assert "Lever la suspension" not in client.get(f"/admin/subscribers/{angry}").text
    refused = client.post(f"/admin/subscribers/{angry}/unsuppress", data={"csrf_token": csrf})
    assert "seule la personne peut se réinscrire" in refused.text
    with db.session() as s:
        assert SubscriberRepository(s).suppression_reason("angry@exemple.fr") == "complaint"


def test_erasure_needs_the_address_typed_and_leaves_only_a_hash(login: Login, db: Database,
                                                                clock: FrozenClock) -> None:  # fmt: skip
    sid = add(db, clock, "lea@exemple.fr", name="Léa")
    client = login(Role.STAFF)
    confirm_page = client.get(f"/admin/subscribers/{sid}/erase").text
    assert "définitive" in confirm_page
    csrf = csrf_of(confirm_page)
    wrong = client.post(f"/admin/subscribers/{sid}/erase", data={"csrf_token": csrf, "confirm_email": "lea@"})
    assert wrong.status_code == 400 and get(db, sid).name == "Léa"
    forged = client.post(f"/admin/subscribers/{sid}/erase", data={"csrf_token": "x", "confirm_email": "lea@exemple.fr"})
    assert forged.status_code == 403
    r = client.post(f"/admin/subscribers/{sid}/erase", data={"csrf_token": csrf, "confirm_email": " LEA@exemple.fr "})
    assert r.status_code == 200 and "lea@exemple.fr a été effacée" in r.text
    with db.session() as s:
        repo = SubscriberRepository(s)
        assert repo.by_email("lea@exemple.fr") is None
        assert repo.suppression_reason("lea@exemple.fr") == "erased"
        assert repo.consent_events_by_hash(email_hash("lea@exemple.fr"))[-1] == "erase"
    assert client.get(f"/admin/subscribers/{sid}").status_code == 404


# -- segment preview -------------------------------------------------------------------------------------------


def test_segment_preview_counts_like_the_segmenter(login: Login, db: Database, clock: FrozenClock) -> None:
    add(db, clock, "all@exemple.fr")
    add(db, clock, "sante@exemple.fr", preferences=Preferences(themes=["sante"]))
    add(db, clock, "eau@exemple.fr", preferences=Preferences(themes=["eau"], streams=[Stream.EMAILING]))
    add(db, clock, "news@exemple.fr", preferences=Preferences(themes=["eau"], streams=[Stream.NEWSLETTER]))
    add(db, clock, "pending@exemple.fr", SubscriberStatus.PENDING)
    client = login(Role.STAFF)

    def shown(params: dict[str, object], htmx: bool = False) -> int:
        headers = {"HX-Request": "true"} if htmx else {}
        r = client.get("/admin/subscribers/segments", params=params, headers=headers)  # type: ignore[arg-type]
        assert r.status_code == 200
        assert ("<html" in r.text) is not htmx  # htmx gets only the count
        m = re.search(r"<strong>(\d+)</strong> abonné\(s\) confirmé\(s\)", r.text)
        assert m, r.text
        return int(m.group(1))

    assert shown({}) == 4
    assert shown({"themes": "eau", "stream": "emailing"}, htmx=True) == 2  # "everything" and "eau"
    assert shown({"themes": ["eau", "sante"]}) == 4
    assert shown({"themes": "sante", "stream": "newsletter"}) == 2
    for audience, stream in [({"themes": ["eau"]}, Stream.EMAILING), ({"themes": ["sante"]}, Stream.NEWSLETTER)]:
        assert shown({**audience, "stream": str(stream)}) == segments.count(db, audience, stream)
    bad = client.get("/admin/subscribers/segments", params={"themes": "astrologie", "stream": "sms"})
    assert bad.status_code == 400 and "astrologie" in bad.text and "sms" in bad.text


# -- import ----------------------------------------------------------------------------------------------------

EXCEL_FILE = (
    "Courriel;Nom;Type d'organisation;Thématiques;Départements\r\n"
    "élodie@exemple.fr;Élodie Sénéchal;association;santé, sport;01\r\n"  # « santé » is sante; sport is no theme
    "ELODIE.SENECHAL@Exemple.FR;Élodie Sénéchal;association;sante;01\r\n"
    "pas-une-adresse;Jérôme;;;\r\n"
    "zoé@exemple.fr;Zoé;cantine;eau;\r\n"
    "elodie.senechal@exemple.fr;Doublon;;;\r\n"
    "deja@exemple.fr;Déjà là;;;\r\n"
    "francois@exemple.fr;François Hénin;local_authority;eau;03\r\n"
).encode("cp1252")


def _upload(client: TestClient, data: bytes, **form: str) -> object:
    csrf = token(client, "/admin/subscribers/import")
    return client.post(
        "/admin/subscribers/import", data={"csrf_token": csrf, **form},
        files={"file": ("export-excel.csv", data, "text/csv")},
    )  # fmt: skip


def test_import_dry_run_then_import_the_same_file(login: Login, db: Database, clock: FrozenClock,
                                                  mailer: FakeMailer) -> None:  # fmt: skip
    add(db, clock, "deja@exemple.fr")
    client = login(Role.STAFF)
    r = _upload(client, EXCEL_FILE, confirmed="0")
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    html = r.text  # type: ignore[attr-defined]
    assert "windows-1252" in html and "« ; »" in html
    summary = html.split('id="import-summary"')[1].split("</ul>")[0]
    assert re.findall(r"<strong>(\d+)</strong>", summary) == ["2", "1", "1", "0", "3"]
    problems = html.split('id="import-problems"')[1].split("</table>")[0]
    assert "pas-une-adresse" in problems and "zoé@exemple.fr" in problems and "déjà présente à la ligne 3" in problems
    assert "organisation inconnu : « cantine »" in problems  # the unknown organisation type is named
    assert "thème inconnu : « sport »" in problems  # and the unknown theme (« santé » is known: its slug is sante)
    with db.session() as s:
        assert len(SubscriberRepository(s).find()) == 1  # a dry run writes nothing

    run_token = re.search(r'name="token" value="([^"]+)"', html)
    assert run_token
    csrf = csrf_of(html)
    assert client.post("/admin/subscribers/import/run", data={"token": run_token.group(1)}).status_code == 403
    assert client.post("/admin/subscribers/import/run", data={"csrf_token": csrf, "token": "other"}).status_code == 400
    done = client.post("/admin/subscribers/import/run", data={"csrf_token": csrf, "token": run_token.group(1)})
    assert done.status_code == 200 and "2 adresse(s) ajoutée(s), 3 refusée(s), 2 ignorée(s)" in done.text
    with db.session() as s:
        repo = SubscriberRepository(s)
        elodie = repo.by_email("elodie.senechal@exemple.fr")
        assert elodie is not None and elodie.status == SubscriberStatus.PENDING
        assert elodie.name == "Élodie Sénéchal" and elodie.preferences.territories == ["01"]
        assert repo.by_email("francois@exemple.fr") is not None
    assert sorted(s.email for s in mailer.sent if s.kind == "confirm") == [
        "elodie.senechal@exemple.fr", "francois@exemple.fr",
    ]  # fmt: skip
    again = client.post("/admin/subscribers/import/run", data={"csrf_token": csrf, "token": run_token.group(1)})
    assert again.status_code == 400 and "déjà été fait" in again.text  # the file is forgotten once imported


def test_confirmed_import_needs_its_legal_basis(login: Login, db: Database) -> None:
    client = login(Role.STAFF)
    refused = _upload(client, EXCEL_FILE, confirmed="1", basis="  ")
    assert refused.status_code == 400 and "base légale" in refused.text  # type: ignore[attr-defined]
    r = _upload(client, EXCEL_FILE, confirmed="1", basis="Adhérents 2026")
    html = r.text  # type: ignore[attr-defined]
    run_token = re.search(r'name="token" value="([^"]+)"', html)
    assert run_token
    client.post("/admin/subscribers/import/run", data={"csrf_token": csrf_of(html), "token": run_token.group(1)})
    with db.session() as s:
        sub = SubscriberRepository(s).by_email("francois@exemple.fr")
    assert sub is not None and sub.status == SubscriberStatus.CONFIRMED and sub.legal_basis == "Adhérents 2026"


def test_unreadable_files_are_refused_with_the_reason(login: Login) -> None:
    client = login(Role.STAFF)
    no_email = _upload(client, b"nom;ville\r\nJean;Lyon\r\n")
    assert no_email.status_code == 400 and "email" in no_email.text  # type: ignore[attr-defined]
    empty = _upload(client, b"")
    assert empty.status_code == 400  # type: ignore[attr-defined]
    csrf = token(client, "/admin/subscribers/import")
    missing = client.post("/admin/subscribers/import", data={"csrf_token": csrf})
    assert missing.status_code == 400 and "Choisissez un fichier" in missing.text


# -- exports ---------------------------------------------------------------------------------------------------


def test_the_csv_export_opens_back_and_the_json_too(login: Login, db: Database, clock: FrozenClock) -> None:
    add(db, clock, "lea@exemple.fr", name="Léa Sénéchal", preferences=Preferences(themes=["eau"]))
    add(db, clock, "parti@exemple.fr", SubscriberStatus.UNSUBSCRIBED)
    client = login(Role.STAFF)
    r = client.get("/admin/subscribers/export.csv")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")  # a spreadsheet reads the accents right
    settings = load_settings(ROOT / "config.toml", environ={})
    rows, encoding, _ = parse_csv(r.content, Choices.from_taxonomy(settings.taxonomy))
    assert encoding == "utf-8" and {row.email for row in rows} == {"lea@exemple.fr", "parti@exemple.fr"}
    lea = next(row.subscriber for row in rows if row.email == "lea@exemple.fr")
    assert lea is not None and lea.name == "Léa Sénéchal" and lea.preferences.themes == ["eau"]

    only = json.loads(client.get("/admin/subscribers/export.json", params={"status": "unsubscribed"}).content)
    assert [s["email"] for s in only] == ["parti@exemple.fr"]
    assert client.get("/admin/subscribers/export.json", params={"status": "vip"}).status_code == 400
    assert client.get("/admin/subscribers/export.xml").status_code == 404


def test_stale_uploads_are_forgotten(login: Login, web: WebContext, clock: FrozenClock) -> None:
    folder = web.upload_dir
    folder.mkdir(parents=True)
    old = folder / "abandoned.csv"
    old.write_text("email\n")
    import os
    import time

    past = time.time() - timedelta(days=2).total_seconds()
    os.utime(old, (past, past))
    _upload(login(Role.STAFF), EXCEL_FILE)
    assert not old.exists() and len(list(folder.glob("*.csv"))) == 1


def test_no_page_offers_a_weekly_rhythm_that_nothing_sends(login: Login, db: Database, clock: FrozenClock) -> None:
    sid = add(db, clock, "lea@exemple.fr", preferences=Preferences(frequency="weekly"))  # an imported value
    client = login(Role.STAFF)
    for path in ("/subscribe", "/", f"/admin/subscribers/{sid}"):
        page = client.get(path).text
        assert "hebdomadaire" not in page.lower() and "Fréquence" not in page, path
    form = {"csrf_token": token(client, f"/admin/subscribers/{sid}"), "name": "Léa", "streams": ["newsletter"]}
    page = client.get(f"/admin/subscribers/{sid}").text
    form["frequency"] = re.search(r'name="frequency" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
    assert client.post(f"/admin/subscribers/{sid}", data=form, follow_redirects=False).status_code == 303
    assert get(db, sid).preferences.frequency == "weekly"  # kept for the rhythms to come, not offered
