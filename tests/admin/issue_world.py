"""A small world for the staff's issue pages: approved items, confirmed subscribers, and the wired sending seam
over an in-memory mailer (the real send loop, the real digest, the real ledger)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core.clock import FrozenClock
from core.model import (
    Item,
    ItemKind,
    ItemSource,
    ItemStatus,
    Preferences,
    Source,
    SourceKind,
    Subscriber,
    SubscriberStatus,
)
from core.settings import MailSettings, Settings, WebSettings
from delivery.mailers.memory import MemoryMailer
from relais.web_sending import BackgroundSending, background_sending
from relais.wiring import Services
from storage.database import Database
from storage.items import ItemRepository
from storage.sources import SourceRepository
from storage.subscribers import SubscriberRepository
from tests.digest.digest_factory import network, taxonomy


def settings(tmp: Path, base_url: str = "https://relais.resacoop.example") -> Settings:
    net = network()
    net.base_url = base_url
    return Settings(
        network=net,
        taxonomy=taxonomy(),
        web=WebSettings(secret_key="issue-pages-secret-" + "k" * 30),
        mail=MailSettings(outbox_dir=str(tmp / "outbox")),
    )


def sending(db: Database, clock: FrozenClock, s: Settings, mailer: MemoryMailer) -> BackgroundSending:
    return background_sending(Services(settings=s, db=db, clock=clock), mailer=lambda: mailer)


def add_item(db: Database, clock: FrozenClock, title: str, kind: ItemKind = ItemKind.CALL, **kw: object) -> int:
    with db.session() as s:
        found = SourceRepository(s).find()
        src = (
            found[0]
            if found
            else SourceRepository(s).save(Source("AMP", "https://amp.example/rss", SourceKind.FEED, ItemKind.CALL))
        )
        fields: dict[str, object] = {"status": ItemStatus.APPROVED, "approved_at": clock.now(),
                                     "url": "https://amp.example/appels/" + str(abs(hash(title)))}  # fmt: skip
        fields.update(kw)
        it = Item(kind=kind, title=title, collected_at=clock.now(), **fields)  # type: ignore[arg-type]
        it.sources = [ItemSource(source_id=src.id or 0, source_item_id=title)]
        return ItemRepository(s).add(it).id or 0


def add_subscribers(db: Database, n: int, **prefs: object) -> None:
    with db.session() as s:
        for i in range(n):
            SubscriberRepository(s).save(
                Subscriber(email=f"membre{i}@asso{i}.fr", status=SubscriberStatus.CONFIRMED,
                           preferences=Preferences(**prefs))  # type: ignore[arg-type]
            )  # fmt: skip


def approved_calls(db: Database, clock: FrozenClock) -> list[int]:
    return [
        add_item(db, clock, "Appel à projets ECSI 2027", deadline=date(2027, 3, 1), tags=["ecsi"]),
        add_item(db, clock, "Fonds eau et assainissement", deadline=date(2027, 2, 1), tags=["eau"]),
        add_item(db, clock, "Micro-projets solidaires", deadline=date(2027, 1, 15)),
    ]
