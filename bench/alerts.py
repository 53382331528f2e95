"""Alerts benchmark: the Monday alert edition for 20,000 subscribers with varied preferences and rhythms, 200
items approved during the week.

    python -m bench alerts
    python -m bench --smoke alerts            # 300 subscribers, 30 items

Measured in one run, in memory (the pure deciders and the real renderer and composer, as the send loop calls them):
the edition's entries (grouped by kind, closing dates first), who is due on Monday and what is new for each since
their previous alert (:func:`digest.alerts.alert_segments`), each distinct (rhythm, content) rendered once in the
alert template, then every message composed (serialised once per segment, personalised per subscriber). Target
(issue 18): ≤ 10 s and ≤ 300 MB; the number of distinct renderings is reported.
"""

from __future__ import annotations

import random
import resource
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.delivery import _Links
from bench.support import size
from core.model import (
    AlertRhythm,
    Issue,
    IssueKind,
    Item,
    ItemKind,
    ItemSource,
    ItemStatus,
    Preferences,
    Stream,
    Subscriber,
)
from core.model import SubscriberStatus as Status
from core.settings import NetworkSettings, Social
from delivery.compose import Recipient, Sender, compile_segment, personalise
from delivery.ledger import message_id
from digest.alerts import alert_segments, as_rendered, edition_entries
from digest.render import Renderer
from digest.segments import Taxonomy

ITEMS, SUBSCRIBERS = size(200, 30), size(20_000, 300)
SENDER = Sender("lettre@resacoop.example", "RESACOOP", "contact@resacoop.example", "resaclic.resacoop.example")
CUTOFF = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)  # Monday 07:00 in Paris
MONDAY = date(2026, 11, 2)
THEMES = ["ecsi", "sante", "eau", "agriculture", "climat", "education", "jeunesse", "economie", "genre"]
TERRITORIES = ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"]
TARGET_SECONDS, TARGET_MB = 10.0, 300.0
CLOSING = (ItemKind.CALL, ItemKind.FUNDING, ItemKind.JOB)
DATED = (ItemKind.EVENT, ItemKind.TRAINING)


def _items(rng: random.Random) -> dict[int, Item]:
    kinds = list(ItemKind)
    out = {}
    for n in range(1, ITEMS + 1):
        kind = kinds[n % len(kinds)]
        approved = CUTOFF - timedelta(minutes=rng.randint(1, 7 * 24 * 60 - 1))  # during the week
        out[n] = Item(
            kind=kind, id=n, status=ItemStatus.APPROVED, approved_at=approved,
            title=f"Appel à projets « Solidarité internationale {n} » : soutien aux initiatives locales",
            summary="Ce dispositif soutient les projets portés par des associations de la région. " * 2,
            url=f"https://exemple.org/appels/{n}",
            deadline=MONDAY + timedelta(days=rng.randint(3, 90)) if kind in CLOSING else None,
            starts_at=CUTOFF + timedelta(days=rng.randint(1, 60)) if kind in DATED else None,
            tags=[*rng.sample(THEMES, rng.choice([1, 2])), *rng.sample(TERRITORIES, rng.choice([0, 1]))],
            sources=[ItemSource(1, str(n), source_name="Agence des micro-projets")],
        )  # fmt: skip
    return out


def _subscribers(rng: random.Random) -> list[Subscriber]:
    """A third never asks for alerts, a fifth daily, the rest weekly (most on Monday); themes, départements and
    alert kinds as people pick them: a few each, often none."""
    kind_choices: list[list[ItemKind]] = [[], [], [ItemKind.CALL, ItemKind.FUNDING], [ItemKind.JOB], [ItemKind.EVENT]]
    subs = []
    for n in range(1, SUBSCRIBERS + 1):
        roll = rng.random()
        rhythm = AlertRhythm.NEVER if roll < 0.33 else AlertRhythm.DAILY if roll < 0.53 else AlertRhythm.WEEKLY
        streams = [Stream.NEWSLETTER, Stream.EMAILING] + ([Stream.ALERT] if rhythm != AlertRhythm.NEVER else [])
        prefs = Preferences(
            themes=sorted(rng.sample(THEMES, rng.choice([0, 1, 1, 2]))),
            territories=sorted(rng.sample(TERRITORIES, rng.choice([0, 0, 1]))),
            streams=streams, alerts=rhythm, alert_day=0 if rng.random() < 0.7 else rng.randint(1, 6),
            alert_kinds=rng.choice(kind_choices),
        )  # fmt: skip
        subs.append(Subscriber(f"s{n}@exemple.fr", Status.CONFIRMED, preferences=prefs, id=n))
    return subs


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    rng = random.Random(18)
    net = NetworkSettings(name="RESACOOP", newsletter_name="RESA'CLIC", base_url="https://relais.resacoop.example",
                          postal_address="RESACOOP, 10 rue de l'Exemple, 69002 Lyon",
                          social=[Social("LinkedIn", "https://www.linkedin.com/company/resacoop")])  # fmt: skip
    items = _items(rng)
    subs = _subscribers(rng)
    # a quarter of the weekly subscribers got last Monday's alert a little after the floor; daily ones yesterday's
    previous = {s.id or 0: CUTOFF - timedelta(days=1) for s in subs if s.preferences.alerts == AlertRhythm.DAILY}
    previous |= {s.id or 0: CUTOFF - timedelta(days=7) for s in subs[::4] if s.preferences.alerts == AlertRhythm.WEEKLY}
    tax = Taxonomy(frozenset(THEMES), frozenset(), frozenset(TERRITORIES))
    renderer = Renderer(net)
    rss0 = _rss_mb()

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    issue = Issue(IssueKind.ALERT, "Alertes", "Alertes", template="alert", id=1, created_at=CUTOFF,
                  audience={"day": MONDAY.isoformat()}, entries=edition_entries(items.values(), MONDAY))  # fmt: skip
    segs = alert_segments(issue, items, subs, previous, tax, MONDAY, ZoneInfo("Europe/Paris"))
    t_build = time.perf_counter() - t0

    t = time.perf_counter()
    rendered = {}
    for seg in segs:
        seen = as_rendered(issue, seg.rhythm, len(seg.item_ids), net.name)
        rendered[seg.key] = renderer.render(seen, items, seg.item_ids, key=seg.key, when=CUTOFF)
    t_render = time.perf_counter() - t

    t = time.perf_counter()
    view = "https://relais.resacoop.example/archives/1"
    compiled = {k: compile_segment(r, SENDER, Stream.ALERT, view_url=view) for k, r in rendered.items()}
    t_compile = time.perf_counter() - t
    t = time.perf_counter()
    links, total_bytes, messages = _Links(), 0, 0
    for seg in segs:
        for sid in seg.subscriber_ids:
            mid = message_id(1, sid, secret="bench", domain=SENDER.domain)
            r = Recipient(sid, f"s{sid}@exemple.fr", mid)
            total_bytes += len(personalise(compiled[seg.key], r, links, date=CUTOFF, sender=SENDER))
            messages += 1
    t_compose = time.perf_counter() - t
    peak = _rss_mb()
    total = t_build + t_render + t_compile + t_compose
    cpu = time.process_time() - cpu0  # this process's own CPU: what the 2 shared cores' load does not inflate

    due = sum(len(s.subscriber_ids) for s in segs)
    sizes = sorted(len(r.html.encode()) for r in rendered.values()) or [0]
    print(f"\nalerts: {ITEMS} items approved in the week, {SUBSCRIBERS:,} subscribers; Monday: {messages:,} messages,")
    print(f"{len(segs)} distinct renderings (HTML {sizes[0] // 1024}–{sizes[-1] // 1024} KB)\n")
    rows = [
        (f"edition + who is due + what is new for each ({SUBSCRIBERS:,})", f"{t_build:.2f} s",
         f"{t_build / SUBSCRIBERS * 1e6:.1f} µs/subscriber"),
        (f"render {len(segs)} distinct (rhythm, content) once", f"{t_render:.2f} s",
         f"{t_render / max(1, len(segs)) * 1000:.1f} ms/rendering"),
        (f"serialise {len(segs)} renderings once (compile_segment)", f"{t_compile:.2f} s",
         f"{t_compile / max(1, len(segs)) * 1000:.1f} ms/rendering"),
        (f"personalise {messages:,} messages ({total_bytes / 2**20:.0f} MB)", f"{t_compose:.2f} s",
         f"{t_compose / max(1, messages) * 1e6:.0f} µs/message"),
        ("**total (target ≤ 10 s, ≤ 300 MB)**", f"**{total:.2f} s** ({cpu:.2f} s CPU)",
         f"peak RSS {peak:.0f} MB (before: {rss0:.0f} MB)"),
    ]  # fmt: skip
    print("| stage | time | per unit |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    assert due == messages
    ok = total <= TARGET_SECONDS and peak <= TARGET_MB
    print(f"\nwithin target: {'yes' if ok else 'NO'} ({total:.2f} s wall, {cpu:.2f} s CPU, {peak:.0f} MB)")
