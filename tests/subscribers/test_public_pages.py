"""The public pages through Starlette's TestClient: every happy path and every bad input."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from admin.app import create_app
from core.clock import FrozenClock
from core.model import AlertRhythm, ItemKind, Stream, SubscriberStatus
from core.settings import Settings
from relais.web import build_web_context
from storage.database import Database
from storage.subscribers import SubscriberRepository
from subscribers.kit import SubscriberKit

Token = Callable[[str], str]


@pytest.fixture
def client(db: Database, clock: FrozenClock, settings: Settings, kit: SubscriberKit) -> Iterator[TestClient]:
    ctx = build_web_context(settings, db, clock, secret_key="s", subscribers=kit)
    # A fresh client has no cookies: the one-click POST must not need any.
    with TestClient(create_app(ctx), base_url="https://lettre.example.org") as c:
        yield c


def path(url: str) -> str:
    return url.removeprefix("https://lettre.example.org")


def who(db: Database, email: str = "alice@exemple.fr") -> Any:
    with db.session() as s:
        return SubscriberRepository(s).by_email(email)


def signed_up(client: TestClient, mailer: Any, **extra: Any) -> str:
    r = client.post("/subscribe", data={"email": "Alice@Exemple.fr", "themes": ["eau"], **extra})
    assert r.status_code == 200 and "Vérifiez votre messagerie" in r.text
    return path(mailer.last("confirm").links["confirm"])


@pytest.fixture
def confirmed(client: TestClient, mailer: Any) -> None:
    url = signed_up(client, mailer)
    assert client.post(url).status_code == 200


def test_subscribe_page_is_french_and_accessible(client: TestClient) -> None:
    r = client.get("/subscribe")
    assert r.status_code == 200 and 'lang="fr"' in r.text
    assert '<label for="email">' in r.text and "<legend>Thématiques</legend>" in r.text
    assert "<script" not in r.text


def test_subscribe_confirm_preferences_unsubscribe(client: TestClient, db: Database, mailer: Any) -> None:
    url = signed_up(client, mailer)
    assert who(db).status == SubscriberStatus.PENDING
    page = client.get(url)
    assert page.status_code == 200 and "Je confirme" in page.text
    assert who(db).status == SubscriberStatus.PENDING  # a GET (a link scanner) confirms nothing
    done = client.post(url)
    assert done.status_code == 200 and "Inscription confirmée" in done.text
    assert who(db).status == SubscriberStatus.CONFIRMED and who(db).preferences.themes == ["eau"]

    prefs = path(mailer.last("welcome").links["preferences"])
    r = client.post(prefs, data={"themes": ["sante"], "territories": ["69"], "streams": ["newsletter"],
                                 "streams_shown": "1"})  # fmt: skip
    assert r.status_code == 200 and "sont enregistrées" in r.text
    assert who(db).preferences.themes == ["sante"] and who(db).preferences.streams == [Stream.NEWSLETTER]

    out = path(mailer.last("welcome").links["unsubscribe"])
    assert "Se désinscrire" in client.get(out).text and who(db).status == SubscriberStatus.CONFIRMED
    r = client.post(out, data={"scope": "all"})
    assert r.status_code == 200 and "plus aucun" in r.text
    assert who(db).status == SubscriberStatus.UNSUBSCRIBED


@pytest.mark.usefixtures("confirmed")
def test_one_click_post_without_cookies_is_idempotent(client: TestClient, db: Database, kit: SubscriberKit) -> None:
    url = path(kit.links.unsubscribe_url(who(db).id, Stream.EMAILING))
    client.cookies.clear()
    for _ in range(2):
        r = client.post(url, content="List-Unsubscribe=One-Click",
                        headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
        assert r.status_code == 200
    assert who(db).status == SubscriberStatus.CONFIRMED and who(db).preferences.streams == [Stream.NEWSLETTER]
    everything = path(kit.links.unsubscribe_url(who(db).id))
    assert client.post(everything, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert who(db).status == SubscriberStatus.UNSUBSCRIBED


@pytest.mark.parametrize("page", ["confirm", "preferences", "unsubscribe", "export", "erase"])
@pytest.mark.usefixtures("confirmed")
def test_forged_tokens_get_a_clear_400_and_change_nothing(client: TestClient, db: Database, page: str) -> None:
    before = who(db)
    for method in ("GET", "POST"):
        if page == "export" and method == "POST":
            continue
        r = client.request(method, f"/{page}/forged.token", data={"scope": "all"} if method == "POST" else None)
        assert r.status_code == 400, (page, method)
        assert "Lien refusé" in r.text and "Rien n'a été modifié" in html.unescape(r.text)
    assert who(db) == before


def test_expired_confirmation_is_refused(client: TestClient, db: Database, mailer: Any, clock: FrozenClock) -> None:
    from datetime import timedelta

    url = signed_up(client, mailer)
    clock.advance(timedelta(hours=73))
    r = client.post(url)
    assert r.status_code == 400 and "expiré" in r.text
    assert who(db).status == SubscriberStatus.PENDING


def test_invalid_address_is_explained_and_the_form_kept(client: TestClient, mailer: Any) -> None:
    r = client.post("/subscribe", data={"email": "pas-une-adresse", "name": "Zoé", "themes": ["eau"]})
    assert r.status_code == 400 and "adresse électronique invalide" in r.text
    assert 'value="Zoé"' in r.text and 'value="eau" checked' in r.text and mailer.sent == []


def test_unknown_preference_is_refused(client: TestClient, mailer: Any) -> None:
    r = client.post("/subscribe", data={"email": "a@exemple.fr", "themes": ["astrologie"]})
    assert r.status_code == 400 and "astrologie" in r.text and mailer.sent == []


def test_honeypot_gets_the_same_answer_and_nothing_happens(client: TestClient, db: Database, mailer: Any) -> None:
    r = client.post("/subscribe", data={"email": "bot@exemple.fr", "website": "http://spam.example"})
    assert r.status_code == 200 and "Vérifiez votre messagerie" in r.text
    assert who(db, "bot@exemple.fr") is None and mailer.sent == []


def test_rate_limit_per_ip(client: TestClient, kit: SubscriberKit) -> None:
    limit = kit.service.settings.signup_rate_per_ip_per_hour
    for i in range(limit):
        assert client.post("/subscribe", data={"email": f"p{i}@exemple.fr"}).status_code == 200
    r = client.post("/subscribe", data={"email": "one-more@exemple.fr"})
    assert r.status_code == 429 and "trop de demandes" in r.text


def test_known_and_unknown_addresses_get_the_same_page(client: TestClient, mailer: Any) -> None:
    signed_up(client, mailer)
    first = client.post("/subscribe", data={"email": "new@exemple.fr"}).text
    again = client.post("/subscribe", data={"email": "alice@exemple.fr"}).text
    assert first == again


@pytest.mark.usefixtures("confirmed")
def test_export_and_erasure(client: TestClient, db: Database, kit: SubscriberKit) -> None:
    token = path(kit.links.preferences_url(who(db).id)).rsplit("/", 1)[1]
    r = client.get(f"/export/{token}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    data = json.loads(r.text)
    assert data["subscriber"]["email"] == "alice@exemple.fr"
    assert [e["action"] for e in data["consent_log"]] == ["signup", "confirm"]
    assert "Effacer définitivement" in client.get(f"/erase/{token}").text and who(db) is not None
    r = client.post(f"/erase/{token}")
    assert r.status_code == 200 and "sont effacées" in r.text and who(db) is None
    assert client.get(f"/preferences/{token}").status_code == 400


def test_embeddable_form_posts_here(client: TestClient) -> None:
    r = client.get("/subscribe/embed")
    assert r.status_code == 200
    assert '<form method="post" action="https://lettre.example.org/subscribe"' in r.text  # the live preview
    assert "&lt;form method=&#34;post&#34; action=&#34;https://lettre.example.org/subscribe&#34;" in r.text


@pytest.mark.usefixtures("confirmed")
def test_ticking_no_stream_is_pointed_out(client: TestClient, db: Database, kit: SubscriberKit) -> None:
    url = path(kit.links.preferences_url(who(db).id))
    r = client.post(url, data={"streams_shown": "1", "themes": ["sante"]})
    assert r.status_code == 400 and "au moins un envoi" in r.text
    assert who(db).preferences.themes == ["eau"] and who(db).status == SubscriberStatus.CONFIRMED


def test_the_embedded_form_needs_only_an_address(client: TestClient, db: Database, mailer: Any) -> None:
    r = client.post("/subscribe", data={"email": "site@exemple.fr", "website": ""})
    assert r.status_code == 200 and mailer.kinds() == ["confirm"]
    assert who(db, "site@exemple.fr").preferences.streams == [Stream.NEWSLETTER, Stream.EMAILING]


def test_the_home_page_has_the_network_its_signup_form_and_the_way_back_to_ones_preferences(
    client: TestClient, settings: Settings
) -> None:
    r = client.get("/")
    assert r.status_code == 200 and 'lang="fr"' in r.text
    assert f"<h1>{html.escape(settings.network.name)}</h1>" in r.text
    assert '<form method="post" action="/subscribe"' in r.text and "<legend>Thématiques</legend>" in r.text
    assert 'href="/archives"' in r.text and 'href="/abonnement"' in r.text
    assert "Aucun numéro n'a encore été envoyé." in r.text


def test_abonnement_mails_a_subscriber_their_links_and_answers_anyone_the_same(
    client: TestClient, mailer: Any, db: Database, confirmed: None
) -> None:
    page = client.get("/abonnement")
    assert page.status_code == 200 and '<form method="post" action="/abonnement"' in page.text
    known = client.post("/abonnement", data={"email": "ALICE@exemple.fr"})
    unknown = client.post("/abonnement", data={"email": "personne@exemple.fr"})
    assert known.status_code == unknown.status_code == 200 and known.text == unknown.text
    assert "Si cette adresse est abonnée" in known.text
    sent = mailer.last("links")
    assert sent.email == "alice@exemple.fr" and [s.kind for s in mailer.rehearsed] == ["links"]
    assert client.get(path(sent.links["preferences"])).status_code == 200
    assert client.get(path(sent.links["unsubscribe"])).status_code == 200
    bad = client.post("/abonnement", data={"email": "pas-une-adresse"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text


# -- alerts: a rhythm of one's own ---------------------------------------------------------------------------------


def _checked(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]+)"[^>]* checked', page)


def test_alerts_are_chosen_on_signing_up_and_in_the_preferences_centre(
    client: TestClient, db: Database, mailer: Any
) -> None:
    form = client.get("/subscribe").text
    assert "<legend>Alertes</legend>" in form and 'value="weekly"' in form and 'value="alert"' not in form
    assert _checked(form, "alerts") == ["never"]  # nobody gets alerts without asking
    url = signed_up(client, mailer, streams=["newsletter"], streams_shown="1", alerts="weekly", alert_day="0",
                    alert_kinds=["call", "funding"])  # fmt: skip
    client.post(url)
    prefs = who(db).preferences
    assert prefs.streams == [Stream.NEWSLETTER, Stream.ALERT] and prefs.alert_rhythm is AlertRhythm.WEEKLY
    assert prefs.alert_day == 0 and prefs.alert_kinds == [ItemKind.FUNDING, ItemKind.CALL]

    centre = path(mailer.last("welcome").links["preferences"])
    page = client.get(centre).text
    assert _checked(page, "alerts") == ["weekly"] and _checked(page, "alert_kinds") == ["funding", "call"]
    assert 'value="0" selected' in page
    r = client.post(centre, data={"streams_shown": "1", "streams": ["newsletter"], "alerts": "weekly",
                                  "alert_day": "3"})  # fmt: skip
    assert r.status_code == 200
    assert who(db).preferences.alert_day == 3 and who(db).preferences.alert_kinds == []  # Thursday, every kind
    client.post(centre, data={"streams_shown": "1", "streams": ["newsletter"], "alerts": "never", "alert_day": "3"})
    assert who(db).preferences.streams == [Stream.NEWSLETTER] and who(db).preferences.alert_rhythm is AlertRhythm.NEVER


@pytest.mark.usefixtures("confirmed")
def test_alerts_alone_are_a_choice_and_nothing_at_all_is_pointed_out(
    client: TestClient, db: Database, kit: SubscriberKit
) -> None:
    url = path(kit.links.preferences_url(who(db).id))
    r = client.post(url, data={"streams_shown": "1", "alerts": "daily", "alert_day": "0"})
    assert r.status_code == 200
    assert who(db).preferences.streams == [Stream.ALERT] and who(db).preferences.alert_rhythm is AlertRhythm.DAILY
    r = client.post(url, data={"streams_shown": "1", "alerts": "never", "alert_day": "0"})
    assert r.status_code == 400 and "au moins un envoi" in r.text
    assert who(db).preferences.streams == [Stream.ALERT]


@pytest.mark.usefixtures("confirmed")
def test_one_click_out_of_the_alerts_keeps_the_rest(client: TestClient, db: Database, kit: SubscriberKit) -> None:
    url = path(kit.links.preferences_url(who(db).id))
    client.post(url, data={"streams_shown": "1", "streams": ["newsletter", "emailing"], "alerts": "weekly",
                           "alert_day": "0"})  # fmt: skip
    assert Stream.ALERT in who(db).preferences.streams
    out = path(kit.links.unsubscribe_url(who(db).id, Stream.ALERT))
    client.cookies.clear()
    r = client.post(out, content="List-Unsubscribe=One-Click",
                    headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert r.status_code == 200
    prefs = who(db).preferences
    assert who(db).status == SubscriberStatus.CONFIRMED
    assert prefs.streams == [Stream.NEWSLETTER, Stream.EMAILING] and prefs.alert_rhythm is AlertRhythm.NEVER
    assert _checked(client.get(url).text, "alerts") == ["never"]
