"""The "Chiffres clés" page over a generated year: the numbers shown are the computed ones, the downloads open,
a malformed period gets a 400 page, and nothing inline breaks the admin's Content-Security-Policy."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import date

import pytest
from starlette.testclient import TestClient

from admin.figures import period_of
from admin.web import WebContext
from core.clock import FrozenClock
from core.errors import InvalidInput
from core.model import Role
from core.settings import Settings
from figures.compute import compute_key_figures, headline_value
from figures.labels import HEADLINE
from figures.model import KeyFigures
from figures.period import PeriodKind, month, year
from relais.web import build_web_context
from storage.database import Database
from tests.figures.generated_year import TAXONOMY, generate, load

Login = Callable[[Role], TestClient]
ROWS = generate()


@pytest.fixture
def web(db: Database, clock: FrozenClock) -> WebContext:
    settings = Settings(taxonomy=TAXONOMY)
    settings.network.name = "RESACOOP"
    return build_web_context(settings, db, clock, secret_key="test-secret")


@pytest.fixture
def seeded(db: Database) -> Database:
    """The generated year of rows (items, issues, ledger, subscribers) around 2026."""
    load(db, ROWS)
    return db


@pytest.fixture
def staff(login: Login) -> TestClient:
    return login(Role.STAFF)


def shown_big_numbers(html: str) -> dict[str, int]:
    """Label -> number of the "En bref" list, read back from the page (French digits, narrow spaces)."""
    pairs = re.findall(r'<span class="cc-value">([^<]+)</span><span class="cc-label">([^<]+)</span>', html)
    return {label.replace("&#39;", "'"): int(re.sub(r"\D", "", value)) for value, label in pairs}


def expected(db: Database, kind: str, value: str) -> KeyFigures:
    period = year(int(value)) if kind == "year" else month(int(value[:4]), int(value[5:]))
    return compute_key_figures(db, period, TAXONOMY)


@pytest.mark.parametrize(("kind", "value"), [("year", "2026"), ("month", "2026-03")])
def test_the_page_shows_the_computed_figures(staff: TestClient, seeded: Database, kind: str, value: str) -> None:
    r = staff.get("/admin/figures", params={kind: value})
    assert r.status_code == 200
    want = expected(seeded, kind, value)
    assert f"Chiffres clés {want.period.label}" in r.text
    shown = shown_big_numbers(r.text)
    assert len(shown) == len(HEADLINE)
    for path, label in HEADLINE:
        assert shown[label] == headline_value(want, path), path
    assert want.sends.messages_accepted > 0 and want.items.events_published > 0  # the seeded data has activity
    assert "comparé à" in r.text and "par rapport à" in r.text  # the previous period, by default


def test_the_page_follows_the_csp_and_links_its_print_stylesheet(staff: TestClient) -> None:
    r = staff.get("/admin/figures", params={"year": "2026", "compare": "0"})
    assert "style-src 'self'" in r.headers["content-security-policy"]
    assert "<style" not in r.text and " style=" not in r.text and "<script>" not in r.text
    assert '<link rel="stylesheet" href="/admin/figures/report.css">' in r.text
    assert "par rapport à" not in r.text  # no comparison asked
    css = staff.get("/admin/figures/report.css")
    assert css.headers["content-type"].startswith("text/css")
    assert "@media print" in css.text and "size:A4" in css.text


def test_without_a_period_the_page_shows_the_current_year(staff: TestClient) -> None:
    assert "Chiffres clés 2026" in staff.get("/admin/figures").text  # the clock says November 2026


def test_a_date_range_and_a_future_year(staff: TestClient, seeded: Database) -> None:
    r = staff.get("/admin/figures", params={"from": "2026-01-01", "to": "2026-06-30"})
    assert r.status_code == 200 and "du 01/01/2026 au 30/06/2026" in r.text
    future = staff.get("/admin/figures", params={"year": "2031"})
    assert future.status_code == 200
    shown = shown_big_numbers(future.text)
    assert shown.pop("abonnés en fin de période") > 0  # people are still subscribed then
    assert set(shown.values()) == {0}  # nothing sent or published yet


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"year": "deux mille"}, "« année »"),
        ({"year": "2026", "month": "2026-03"}, "« année » et « mois »"),
        ({"month": "2026-13"}, "mois hors limites"),
        ({"from": "2026-01-01"}, "« du » et « au » vont ensemble"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "n'existe pas"),
        ({"from": "2026-06-01", "to": "2026-01-01"}, "est antérieur à"),
    ],
)
def test_a_malformed_period_gets_a_400_page(staff: TestClient, params: dict[str, str], says: str) -> None:
    for path in ("/admin/figures", "/admin/figures/export.csv", "/admin/figures/export.json"):
        r = staff.get(path, params=params)
        assert r.status_code == 400, (path, params)
    page = staff.get("/admin/figures", params=params).text
    assert "Période invalide" in page and says.replace("'", "&#39;") in page.replace("&#34;", '"')


def test_the_csv_download_opens_in_a_french_spreadsheet(staff: TestClient, seeded: Database) -> None:
    r = staff.get("/admin/figures/export.csv", params={"year": "2026"})
    assert r.status_code == 200 and 'filename="chiffres-cles-2026.csv"' in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["rubrique", "clé", "libellé", "valeur", "période précédente", "évolution"]
    by_key = {row[1]: row for row in rows[1:]}
    want, before = expected(seeded, "year", "2026"), expected(seeded, "year", "2025")
    assert by_key["sends.newsletters"][3] == str(want.sends.newsletters)
    assert by_key["sends.newsletters"][4] == str(before.sends.newsletters)
    assert by_key["items.events_published"][3] == str(want.items.events_published)


def test_the_json_download_has_the_documented_keys(staff: TestClient, seeded: Database) -> None:
    body = json.loads(staff.get("/admin/figures/export.json", params={"month": "2026-03"}).content)
    want = expected(seeded, "month", "2026-03")
    assert body["period"]["label"] == "mars 2026"
    assert body["sends"]["messages_accepted"] == want.sends.messages_accepted
    assert body["audience"]["subscribers_end"] == want.audience.subscribers_end
    assert body["previous"]["period"]["label"] == "février 2026"
    alone = json.loads(staff.get("/admin/figures/export.json", params={"month": "2026-03", "compare": "0"}).content)
    assert alone["previous"] is None
    assert staff.get("/admin/figures/export.xlsx", params={"year": "2026"}).status_code == 404


def test_roles(client: TestClient, login: Login) -> None:
    paths = ["/admin/figures", "/admin/figures/export.csv?year=2026", "/admin/figures/export.json?year=2026"]
    for path in paths:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/admin/login")
    editor = login(Role.EDITOR)
    assert 'href="/admin/figures"' not in editor.get("/admin/").text
    for path in paths:
        assert editor.get(path).status_code == 403, path


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
def test_staff_and_admins_see_the_page(login: Login, role: Role) -> None:
    client = login(role)
    assert 'href="/admin/figures"' in client.get("/admin/").text
    for path in ["/admin/figures", "/admin/figures/export.csv?year=2026", "/admin/figures/export.json?year=2026"]:
        assert client.get(path).status_code == 200, path


def test_period_of_reads_the_form_in_french() -> None:
    today = date(2026, 11, 2)
    period, compare = period_of({"month": "2026-03", "compare": "0"}, tz="Europe/Paris", today=today)
    assert (period.kind, period.start, compare) == (PeriodKind.MONTH, date(2026, 3, 1), False)
    assert period_of({}, tz="Europe/Paris", today=today)[0].start == date(2026, 1, 1)
    assert period_of({"year": " 2025 ", "from": ""}, tz="Europe/Paris", today=today)[0].end == date(2025, 12, 31)
    with pytest.raises(InvalidInput, match="« année »"):
        period_of({"year": "25"}, tz="Europe/Paris", today=today)
