"""March 2026 for two networks in one deployment, on a simulated clock: RESACOOP (Auvergne-Rhône-Alpes) and
Centraider (Centre-Val de Loire) follow the same sources on the local HTTP server through one scheduler. Each source
is fetched once per collection however many networks follow it; each network triages its own rows (Centraider's
editor sees « Déjà relayé par RESACOOP » on what RESACOOP approved, still to decide himself); the Rhône and Isère
agendas never reach Centraider; people subscribe on each network's host, one of them on both; on 1 April each
network's newsletter is built by its own job, approved by its staff and sent by its own sending job, to its own
subscribers, from its own address. Then each network's figures and archive hold its own, and the national figures
add them up without counting a shared entry twice."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from core.clock import FrozenClock
from core.model import IssueKind, IssueStatus, ItemStatus, Role
from core.settings import Settings
from figures.compute import compute_key_figures
from figures.period import Period, PeriodKind
from relais.web import build_app
from relais.wiring import Services, digest_service, sync_sources
from storage import consistency
from storage.collection import CollectionRepository
from storage.database import Database
from storage.issues import IssueRepository
from storage.items import ItemRepository
from storage.sources import SourceRepository
from subscribers.accounts import Accounts
from tests.scenario.month import BASE, Editor, People, month_settings
from tests.scenario.simulation import Mailbox, Scheduler, smtp_server
from tests.scenario.sources_server import World, sources_server
from tests.scenario.test_month import cheap_hashing  # noqa: F401  (autouse)
from tests.scenario.world import SOURCES

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 3, 1, 0, 0, tzinfo=PARIS)
END = datetime(2026, 4, 1, 12, 0, tzinfo=PARIS)
PASSWORD = "une phrase de passe assez longue"
CENTRE = "https://lettre.centraider.test"
EDITOR_A, EDITOR_B = "editrice@resacoop.example", "editeur@centraider.example"
BOTH = "alice@asso.example"  # a member of both networks


def two_networks(settings: Settings) -> Settings:
    a = settings.network  # the example config's RESACOOP, its départements those of Auvergne-Rhône-Alpes
    b = replace(
        a,
        slug="centraider",
        name="Centraider",
        newsletter_name="La lettre de Centraider",
        from_address="lettre@centraider.example",
        from_name="Centraider",
        reply_to="contact@centraider.example",
        list_id="lettre.centraider.example",
        postal_address="Centraider, 1 place de l'Exemple, 45000 Orléans",
        base_url=CENTRE,
        region="Centre-Val de Loire",
        departements=["18", "28", "36", "37", "41", "45"],
    )
    return replace(settings, networks=[a, b])


@pytest.fixture
def deployment(
    tmp_path: Path, database_url: str, db: Database
) -> Iterator[tuple[Services, FrozenClock, World, Mailbox]]:
    world, mailbox, clock = World(), Mailbox(), FrozenClock(START)
    with sources_server(world) as sources_url, smtp_server(mailbox) as port:
        settings = two_networks(month_settings(tmp_path, database_url, sources_url, port))
        yield Services(settings, db, clock), clock, world, mailbox


@pytest.mark.slow  # the scheduler's jobs of two networks over 755 simulated hours
def test_two_networks_one_month(deployment: tuple[Services, FrozenClock, World, Mailbox]) -> None:
    svc, clock, world, mailbox = deployment
    sync_sources(svc)
    a, b = svc.for_network("resacoop"), svc.for_network("centraider")
    Accounts(a.db).add(EDITOR_A, Role.EDITOR, PASSWORD, now=clock.now())
    Accounts(b.db).add(EDITOR_B, Role.EDITOR, PASSWORD, now=clock.now())
    app = build_app(svc)

    with TestClient(app, base_url=BASE) as host_a, TestClient(app, base_url=CENTRE) as host_b:
        editor_a = Editor(host_a, a.db, EDITOR_A, PASSWORD)
        editor_b = Editor(host_b, b.db, EDITOR_B, PASSWORD)
        people_a = People(TestClient(app, base_url=BASE), mailbox)
        people_b = People(TestClient(app, base_url=CENTRE), mailbox, base=CENTRE)
        scheduler = Scheduler(svc, clock)
        relayed_seen: list[str] = []

        instant = START.astimezone(UTC)
        while instant < END:
            instant += timedelta(hours=1)
            at = instant.astimezone(PARIS)
            world.today = at.date()
            scheduler.advance_to(instant)
            day, hour = (at.month, at.day), at.hour
            if at.weekday() < 5 and hour == 10:
                editor_a.triage()
            if at.weekday() in (1, 3) and hour == 10:  # Centraider triages on Tuesdays and Thursdays
                editor_b.triage()
            if at.weekday() in (0, 2) and hour == 11:  # the days between: what RESACOOP approved waits for him
                relayed_seen += offered_but_not_imposed(editor_b, b.db)
            if day == (3, 2) and hour == 11:
                for address in (BOTH, "bob@asso.example"):
                    people_a.sign_up(address)
                for address in (BOTH, "carol@centre.example"):
                    people_b.sign_up(address)
            if day == (4, 1) and hour == 10:  # each network's job built its draft at 9:00: its staff approve it
                for net in (a, b):
                    approve_newsletter(net)

    assert relayed_seen, "Centraider's editor never saw an item RESACOOP had approved"
    check_collected_once(svc, world, scheduler)
    check_regional_items_stay_regional(a.db, b.db)
    check_each_network_its_newsletter(a, b, mailbox)
    check_figures_and_archives(svc, a, b, editor_a, editor_b, host_a, host_b)
    with svc.db.session() as s:
        assert consistency.check(s) == []


def offered_but_not_imposed(editor: Editor, db: Database) -> list[str]:
    """Centraider's triage page names RESACOOP on the items RESACOOP approved; his own rows of them are still new."""
    page = editor.page("/admin/items").text
    with db.session() as s:
        new = {i.title for i in ItemRepository(s).find(status=ItemStatus.NEW)}
    rows = re.findall(r'<tr id="item-\d+".*?</tr>', page, flags=re.S)
    titles = [
        html.unescape(re.search(r'class="item-title"[^>]*>([^<]+)<', row).group(1))  # type: ignore[union-attr]
        for row in rows
        if "Déjà relayé par RESACOOP" in row
    ]
    assert set(titles) <= new, set(titles) - new
    return titles


def approve_newsletter(net: Services) -> None:
    with net.db.session() as s:
        (draft,) = [i for i in IssueRepository(s).find(status=IssueStatus.DRAFT) if i.kind == IssueKind.NEWSLETTER]
    assert draft.id is not None
    digest_service(net).approve(draft.id, by="equipe@" + net.settings.network.slug + ".example")


def check_collected_once(svc: Services, world: World, scheduler: Scheduler) -> None:
    """Each source answered one request per collection run, not one per network."""
    with svc.db.session() as s:
        sources = {src.name: src for src in SourceRepository(s).find()}
        runs = {name: len(CollectionRepository(s).runs(src.id, limit=10_000)) for name, src in sources.items()}
    for decl in SOURCES:
        requests = sum(n for (path, _status), n in world.responses.items() if path == decl.path)
        assert requests == runs[decl.name] == scheduler.runs[f"watch.collect:{decl.name}"] > 0, decl.name


def check_regional_items_stay_regional(a: Database, b: Database) -> None:
    def names(db: Database) -> set[str]:
        with db.session() as s:
            return {src.source_name or "" for i in ItemRepository(s).find() for src in i.sources}

    assert {"Agenda du Rhône (iCalendar)", "Agenda de l'Isère (iCalendar)"} <= names(a)
    assert not {"Agenda du Rhône (iCalendar)", "Agenda de l'Isère (iCalendar)"} & names(b)
    assert "Agence des financements (RSS)" in names(b)


def check_each_network_its_newsletter(a: Services, b: Services, mailbox: Mailbox) -> None:
    def newsletter(net: Services) -> tuple[int, str]:
        with net.db.session() as s:
            (sent,) = [i for i in IssueRepository(s).find(status=IssueStatus.SENT) if i.kind == IssueKind.NEWSLETTER]
        assert sent.id is not None
        return sent.id, sent.subject

    (_, subject_a), (_, subject_b) = newsletter(a), newsletter(b)
    assert subject_a != subject_b

    def got(address: str) -> dict[str, str]:
        """The newsletters the address received: subject -> sender."""
        return {
            str(m["Subject"]): str(m["From"]) for m in mailbox.to(address) if m["Subject"] in (subject_a, subject_b)
        }

    assert got(BOTH) == {
        subject_a: got("bob@asso.example")[subject_a],
        subject_b: got("carol@centre.example")[subject_b],
    }
    assert list(got("bob@asso.example")) == [subject_a]
    assert list(got("carol@centre.example")) == [subject_b]
    assert "lettre@centraider.example" in got("carol@centre.example")[subject_b]
    assert "centraider" not in got("bob@asso.example")[subject_a]
    (mail_b,) = [m for m in mailbox.to("carol@centre.example") if str(m["Subject"]) == subject_b]
    body = str(mail_b.get_body(("html",)).get_content())  # type: ignore[union-attr]
    assert "Agenda du Rhône" not in body and CENTRE in body and BASE not in body


def check_figures_and_archives(
    svc: Services, a: Services, b: Services, editor_a: Editor, editor_b: Editor, host_a: TestClient, host_b: TestClient
) -> None:
    march = Period(PeriodKind.MONTH, datetime(2026, 3, 1).date(), datetime(2026, 3, 31).date(), "Europe/Paris")
    fa = compute_key_figures(a.db, march, a.settings.taxonomy)
    fb = compute_key_figures(b.db, march, b.settings.taxonomy)
    nation = compute_key_figures(svc.db, march, svc.settings.taxonomy, national=True)
    assert dict(fa.items.approved) == {k: editor_a.approved.get(k, 0) for k in fa.items.approved}
    assert dict(fb.items.approved) == {k: editor_b.approved.get(k, 0) for k in fb.items.approved}
    collected_a, collected_b = sum(fa.items.collected.values()), sum(fb.items.collected.values())
    shared = collected_b  # every item Centraider has came from a source RESACOOP follows too
    assert sum(nation.items.collected.values()) == collected_a + collected_b - shared
    assert fa.audience.subscribers_end == fb.audience.subscribers_end == 2
    assert nation.audience.subscribers_end == 4
    archive_a, archive_b = host_a.get("/archives").text, host_b.get("/archives").text
    assert "Centraider" not in archive_a and "RESACOOP" not in archive_b
