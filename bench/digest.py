"""Digest benchmark: an issue of 60 items for 20,000 subscribers over 300 distinct segments.

Measured in one run:
- segmentation of 20,000 subscribers with random preferences (pure, in memory);
- rendering 300 distinct segments once each (Jinja2 → MJML → css-inline, plus the text twin);
- per-subscriber composition of those segments as delivery does it: each serialised once
  (``delivery.compose.compile_segment``), then personal headers and placeholders per subscriber (``personalise``);
- the naive reference: Jinja2 + MJML + premailer per subscriber, timed on a sample and extrapolated.

``--smoke``: 12 items, 5 segments, 200 subscribers.
"""

from __future__ import annotations

import logging
import random
import resource
import time
from datetime import UTC, date, datetime, timedelta

import premailer

from bench.delivery import _Links
from bench.support import size
from core.model import Issue, IssueKind, Item, ItemKind, ItemSource, ItemStatus, Preferences, Stream, Subscriber
from core.model import SubscriberStatus as Status
from core.settings import NetworkSettings, Social
from delivery.compose import Recipient, Sender, compile_segment, personalise
from delivery.ledger import message_id
from digest.assemble import newsletter_entries
from digest.render import Renderer
from digest.segments import Taxonomy, segment_key, segments

ITEMS, SEGMENTS = size(60, 12), size(300, 5)
SUBSCRIBERS, NAIVE_SAMPLE = size(20_000, 200), size(200, 2)
SENDER = Sender("lettre@resacoop.example", "RESACOOP", "contact@resacoop.example", "resaclic.resacoop.example")
WHEN = datetime(2026, 11, 2, 8, tzinfo=UTC)
THEMES = ["ecsi", "sante", "eau", "agriculture", "climat", "education", "jeunesse", "economie", "genre"]
TERRITORIES = ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"]


def _items(rng: random.Random) -> dict[int, Item]:
    kinds = list(ItemKind)
    out = {}
    for n in range(1, ITEMS + 1):
        kind = kinds[n % len(kinds)]
        out[n] = Item(
            kind=kind, id=n, status=ItemStatus.APPROVED, approved_at=WHEN,
            title=f"Appel à projets « Solidarité internationale {n} » : soutien aux initiatives locales",
            summary="Ce dispositif soutient les projets portés par des associations de la région. " * 2,
            url=f"https://exemple.org/appels/{n}", deadline=date(2027, 1, 1) + timedelta(days=n),
            starts_at=WHEN + timedelta(days=n) if kind == ItemKind.EVENT else None,
            tags=[*rng.sample(THEMES, 2), rng.choice(TERRITORIES)],  # a département is a tag
            sources=[ItemSource(1, str(n), source_name="Agence des micro-projets")],
        )  # fmt: skip
    return out


def _subscribers(rng: random.Random) -> list[Subscriber]:
    subs = []
    for n in range(1, SUBSCRIBERS + 1):
        prefs = Preferences(
            themes=rng.sample(THEMES, rng.choice([0, 1, 2])), territories=rng.sample(TERRITORIES, rng.choice([0, 1]))
        )
        subs.append(Subscriber(f"s{n}@exemple.fr", Status.CONFIRMED, preferences=prefs, id=n))
    return subs


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    rng = random.Random(5)
    net = NetworkSettings(name="RESACOOP", newsletter_name="RESA'CLIC", base_url="https://relais.resacoop.example",
                          postal_address="RESACOOP, 10 rue de l'Exemple, 69002 Lyon",
                          social=[Social("LinkedIn", "https://www.linkedin.com/company/resacoop")])  # fmt: skip
    items = _items(rng)
    issue = Issue(IssueKind.NEWSLETTER, "RESA'CLIC n°42", "RESA'CLIC n°42 – novembre 2026", number=42, id=1,
                  editorial="Chères et chers membres, bonne lecture.", created_at=WHEN,
                  entries=newsletter_entries(items.values(), WHEN.date()))  # fmt: skip
    order = [e.item_id for e in issue.entries]
    renderer = Renderer(net)
    tax = Taxonomy(frozenset(THEMES), frozenset(), frozenset(TERRITORIES))
    subs = _subscribers(rng)
    rss0 = _rss_mb()

    t = time.perf_counter()
    found = segments(issue, items, subs, tax)
    t_segment = time.perf_counter() - t

    # 300 distinct contents: each a random subset of 30 to 60 items, in issue order.
    contents: set[tuple[int, ...]] = set()
    while len(contents) < SEGMENTS:
        keep = set(rng.sample(order, rng.randint(ITEMS // 2, ITEMS)))
        contents.add(tuple(i for i in order if i in keep))
    renderer.render(issue, items, order, key="warm", when=WHEN)  # first call loads templates
    t = time.perf_counter()
    rendered = [renderer.render(issue, items, c, key=segment_key(1, c), when=WHEN) for c in contents]
    t_render = time.perf_counter() - t
    sizes = sorted(len(r.html.encode()) for r in rendered)

    t = time.perf_counter()
    view = "https://relais.resacoop.example/archives/1"
    compiled = [compile_segment(r, SENDER, Stream.NEWSLETTER, view_url=view) for r in rendered]
    links, personal_bytes = _Links(), 0
    for n in range(1, SUBSCRIBERS + 1):
        mid = message_id(1, n, secret="bench", domain=SENDER.domain)
        message = personalise(compiled[n % SEGMENTS], Recipient(n, f"s{n}@exemple.fr", mid), links, date=WHEN,
                              sender=SENDER)  # fmt: skip
        personal_bytes += len(message)
    t_subst = time.perf_counter() - t
    rss_ours = _rss_mb()

    # Naive reference: everything per subscriber (Jinja2 + MJML + premailer), on a sample.
    source = renderer.mjml_source(issue, items, order, WHEN)
    # premailer's first call costs ~300 ms: not the steady state. Its cssutils warnings about mso-* are noise.
    premailer.Premailer(renderer.html(source), cssutils_logging_level=logging.CRITICAL).transform()
    sample = list(contents)[:NAIVE_SAMPLE] if len(contents) >= NAIVE_SAMPLE else list(contents)
    import mjml

    t = time.perf_counter()
    for c in sample:
        raw = mjml.mjml2html(renderer.mjml_source(issue, items, c, WHEN), fonts={})
        premailer.Premailer(raw, cssutils_logging_level=logging.CRITICAL).transform()
        renderer._text[renderer.template_of(issue)].render(renderer.context(issue, items, c, WHEN))
    t_naive_each = (time.perf_counter() - t) / len(sample)

    ours_total = t_segment + t_render + t_subst
    print(f"\ndigest: {ITEMS} items, {SUBSCRIBERS:,} subscribers; {len(found)} segments from random preferences,")
    print(f"{SEGMENTS} distinct segments rendered (HTML {sizes[0] // 1024}–{sizes[-1] // 1024} KB)\n")
    rows = [
        (f"segmentation of {SUBSCRIBERS:,} subscribers", f"{t_segment * 1000:.0f} ms",
         f"{t_segment / SUBSCRIBERS * 1e6:.1f} µs/subscriber"),
        (f"render {SEGMENTS} segments once (MJML + css-inline + text)", f"{t_render:.2f} s",
         f"{t_render / SEGMENTS * 1000:.1f} ms/segment"),
        (f"compose once per segment, personalise × {SUBSCRIBERS:,} ({personal_bytes / 2**20:.0f} MB of messages)",
         f"{t_subst:.2f} s",
         f"{t_subst / SUBSCRIBERS * 1e6:.0f} µs/subscriber"),
        ("**ours, total**", f"**{ours_total:.2f} s**", f"peak RSS {rss_ours:.0f} MB (before: {rss0:.0f} MB)"),
        (f"naive: MJML + premailer per subscriber (sample {len(sample)})",
         f"{t_naive_each * SUBSCRIBERS:.0f} s extrapolated", f"{t_naive_each * 1000:.1f} ms/subscriber"),
    ]  # fmt: skip
    print("| stage | time | per unit |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\nspeed-up over the naive reference: ×{t_naive_each * SUBSCRIBERS / ours_total:.0f}")
