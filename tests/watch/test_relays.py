"""The same call relayed by another site: merged by what it is (its deadline and its text, or the official page its
text links to), not only by its title; different sessions and editions stay apart. Texts written for the project
after the patterns of real relays (rewritten titles, quoted bodies, a missed date, a link to the official page)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import httpx

from core.clock import FrozenClock
from core.model import Item, ItemKind, ItemSource, ItemStatus
from storage.database import Database
from tests.watch.helpers import source
from watch.dedup import Known, Verdict, apply, decide
from watch.entry import Entry
from watch.parse import enrich

REF = datetime(2027, 1, 10, tzinfo=UTC)
RELAY = source(name="relais", id=1)
OFFICIAL = source(name="officiel", id=2, official=True)
OFFICIAL_URL = "https://agence.exemple.org/appels/initiatives-locales-2027"

CALL = (
    "<p>L'Agence lance l'appel à projets Initiatives locales de solidarité internationale. Il soutient les "
    "associations qui conduisent avec un partenaire du Sud un projet d'accès à l'eau, d'agriculture familiale ou "
    "de formation professionnelle, sur deux ans au plus.</p><p>Les projets doivent associer les habitants dès leur "
    "conception, prévoir une restitution auprès du public en France et présenter un budget équilibré dont la "
    "subvention ne dépasse pas la moitié. Une session d'information en ligne est proposée aux candidats.</p>"
    "<p>Date limite de dépôt des dossiers : 15 mars 2027.</p>"
)
OTHER_CALL = (
    "<p>L'Agence lance l'appel à projets Jeunesse et engagement. Il finance les départs de jeunes de 18 à 25 ans "
    "en chantier de solidarité, encadrés par une association qui les prépare au départ et les accompagne au "
    "retour dans un projet citoyen.</p><p>Les projets doivent associer les habitants dès leur conception, "
    "prévoir une restitution auprès du public en France.</p><p>Date limite de dépôt des dossiers : 15 mars 2027.</p>"
)


def entry(title: str, html: str, *, url: str, deadline: date | None, sid: str = "x") -> Entry:
    item = Item(kind=ItemKind.CALL, title=title, url=url, deadline=deadline, body_html=html)
    e = Entry(sid, item)
    enrich(e, reference=REF)
    return e


def stored(e: Entry, *, at: int, official: bool = False) -> Item:
    item = e.item
    item.id, item.status = 10, ItemStatus.NEW
    item.sources = [ItemSource(source_id=at, source_item_id=e.source_item_id, official=official)]
    return item


def relay_of(html: str, *, title: str = "Initiatives locales : l'appel 2027 est ouvert !", **kw: object) -> Entry:
    return entry(title, "<p>Relayé par le réseau régional.</p>" + html, url="https://reseau.exemple.org/actu/42", **kw)  # type: ignore[arg-type]


def official(**kw: object) -> Entry:
    defaults: dict[str, object] = {"url": OFFICIAL_URL, "deadline": date(2027, 3, 15)}
    return entry("AAP « Initiatives locales de solidarité internationale » 2027", CALL, **(defaults | kw))  # type: ignore[arg-type]


def test_a_relay_with_a_rewritten_title_and_the_same_text_and_deadline_is_merged() -> None:
    target = stored(official(), at=2, official=True)
    relay = relay_of(CALL, deadline=date(2027, 3, 15))
    d = decide(relay, RELAY, Known(same_dates=[target]))
    assert d.verdict == Verdict.DUPLICATE and d.target is target
    assert d.reason.startswith("same deadline, same text")


def test_a_relay_quoting_part_of_the_text_is_merged_and_the_official_source_wins() -> None:
    quoted = CALL.split("</p>")[0] + "</p><p>Date limite de dépôt des dossiers : 15 mars 2027.</p>"
    relayed = stored(relay_of(quoted, deadline=date(2027, 3, 15)), at=1)
    d = decide(official(), OFFICIAL, Known(same_dates=[relayed]))
    assert d.verdict == Verdict.DUPLICATE and "official source wins" in d.reason
    apply(d)
    assert relayed.url == OFFICIAL_URL and relayed.title.startswith("AAP")


def test_two_calls_of_one_funder_sharing_a_template_and_a_deadline_stay_apart() -> None:
    target = stored(official(), at=2, official=True)
    other = entry(
        "Appel Jeunesse et engagement 2027",
        OTHER_CALL,
        url="https://agence.exemple.org/jeunesse",
        deadline=date(2027, 3, 15),
    )
    assert decide(other, RELAY, Known(same_dates=[target])).verdict == Verdict.NEW


def test_two_sessions_or_editions_with_the_same_text_stay_apart() -> None:
    target = stored(official(), at=2, official=True)
    autumn = relay_of(CALL.replace("15 mars 2027", "15 septembre 2027"), deadline=date(2027, 9, 15))
    assert decide(autumn, RELAY, Known(same_dates=[target])).verdict == Verdict.NEW  # no date in common
    edition = relay_of(CALL, title="Initiatives locales : l'appel 2028 est ouvert", deadline=date(2027, 3, 15))
    assert decide(edition, RELAY, Known(same_dates=[target])).verdict == Verdict.NEW  # 2027 and 2028


def test_a_relay_whose_date_was_missed_is_merged_by_the_official_link_in_its_text() -> None:
    target = stored(official(), at=2, official=True)
    link = f'<a href="{OFFICIAL_URL}?utm_source=rs">le site de l\'Agence</a>'
    text = f"<p>Un nouvel appel pour nos membres. Tous les détails sur {link}.</p>"
    relay = relay_of(text, deadline=None)
    d = decide(relay, RELAY, Known(linked=[target]))
    assert d.verdict == Verdict.DUPLICATE and d.reason == "the relay's text links to the official page"


def test_an_official_page_arriving_after_a_relay_that_links_to_it_is_merged() -> None:
    text = f"<p>Appel à projets de l'Agence, à lire sur {OFFICIAL_URL} avant le 15 mars 2027.</p>"
    relayed = stored(relay_of(text, deadline=date(2027, 3, 15)), at=1)
    d = decide(official(), OFFICIAL, Known(same_dates=[relayed]))
    assert d.verdict == Verdict.DUPLICATE and "links to the official page" in d.reason


def test_a_link_between_different_sessions_does_not_merge_them() -> None:
    target = stored(official(), at=2, official=True)
    text = f'<p>La session de septembre est ouverte : <a href="{OFFICIAL_URL}">règlement</a>.</p>'
    relay = relay_of(text, deadline=date(2027, 9, 15))
    assert decide(relay, RELAY, Known(linked=[target])).verdict == Verdict.NEW


def test_decide_changes_nothing_it_is_given() -> None:
    target = stored(entry("Appel", CALL, url="https://a.exemple.org/x", deadline=None), at=1)
    cand = official()
    before, cand_before = copy.deepcopy(target), copy.deepcopy(cand)
    d = decide(cand, OFFICIAL, Known(same_source=target))
    assert d.verdict == Verdict.UPDATED and d.updates
    assert target == before and cand == cand_before
    apply(d)
    assert target.deadline == date(2027, 3, 15)


def test_a_collection_merges_a_relay_page_into_the_official_feed(db: Database, clock: FrozenClock) -> None:
    from core.settings import WatchSettings
    from relais.wiring import outbound_policy
    from storage.items import ItemRepository
    from storage.sources import SourceRepository
    from tests.watch.test_collect import SETTINGS
    from watch.service import Watch

    rss = f"""<rss version="2.0"><channel><title>Agence</title><link>https://agence.exemple.org/</link>
    <item><title>AAP « Initiatives locales de solidarité internationale » 2027</title><link>{OFFICIAL_URL}</link>
    <guid>ilsi-2027</guid><description><![CDATA[{CALL}]]></description></item></channel></rss>"""
    page = f"""<html><body><article class="actu"><h2><a href="/actu/42">Initiatives locales : l'appel 2027 est
    ouvert !</a></h2><div class="texte"><p>Relayé par le réseau régional.</p>{CALL}</div></article></body></html>"""
    feed = source("feed", "funding", name="Agence", url="https://agence.exemple.org/rss", official=True)
    html = source("html", "call", name="Réseau", url="https://reseau.exemple.org/actu/",
                  options={"item": "article.actu", "title": "h2", "link": "h2 a", "summary": ".texte"})  # fmt: skip
    with db.session() as s:
        SourceRepository(s).sync_from_config([feed, html])

    def answer(request: httpx.Request) -> httpx.Response:
        body = rss if request.url.host == "agence.exemple.org" else page
        return httpx.Response(200, content=body.encode(), headers={"content-type": "text/html; charset=utf-8"})

    results = Watch(
        db, WatchSettings(), clock, transport=httpx.MockTransport(answer), policy=outbound_policy(SETTINGS)
    ).collect()
    assert sum(r.new for r in results) == 1 and sum(r.duplicates for r in results) == 1
    with db.session() as s:
        [item] = ItemRepository(s).find()
    assert item.url == OFFICIAL_URL and len(item.sources) == 2 and item.kind == ItemKind.FUNDING


def test_one_template_filled_in_for_two_calls_stays_two_calls() -> None:
    lot = CALL.replace("Initiatives locales de solidarité internationale", "Initiatives locales, lot {n}")
    first = stored(entry("Initiatives locales 2027 – lot 1", lot.format(n=1), url="https://a.exemple.org/1",
                         deadline=date(2027, 3, 15)), at=2)  # fmt: skip
    second = entry(
        "Initiatives locales 2027 – lot 2", lot.format(n=2), url="https://a.exemple.org/2", deadline=date(2027, 3, 15)
    )
    assert decide(second, RELAY, Known(same_dates=[first])).verdict == Verdict.NEW  # other numbers in the titles
    numbered = CALL + "<p>Référence de l'appel : n°2027-{n}.</p>"
    one = stored(entry("Appel Initiatives locales", numbered.format(n=11), url="https://a.exemple.org/11",
                       deadline=date(2027, 3, 15)), at=2)  # fmt: skip
    two = entry(
        "Initiatives locales : appel ouvert",
        numbered.format(n=12),
        url="https://b.exemple.org/12",
        deadline=date(2027, 3, 15),
    )
    assert decide(two, RELAY, Known(same_dates=[one])).verdict == Verdict.NEW  # other reference numbers
    same = entry(
        "Initiatives locales : appel ouvert",
        numbered.format(n=11),
        url="https://b.exemple.org/11",
        deadline=date(2027, 3, 15),
    )
    assert decide(same, RELAY, Known(same_dates=[one])).verdict == Verdict.DUPLICATE
