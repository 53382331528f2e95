"""Digest benchmark: an issue of 60 items for 20,000 subscribers over 300 distinct segments.

Measured in one run:
- segmentation of 20,000 subscribers with random preferences (pure, in memory);
- rendering 300 distinct segments once each (Jinja2 → MJML → css-inline, plus the text twin);
- per-subscriber substitution of the personal placeholders in HTML and text (what delivery does before MIME);
- the naive reference: Jinja2 + MJML + premailer per subscriber, timed on a sample and extrapolated.

MIME composition per subscriber is measured by the delivery benchmark.
"""

from __future__ import annotations

import logging
import random
import resource
import time
from datetime import UTC, date, datetime, timedelta

import premailer

from core.message import Placeholder
from core.model import Issue, IssueKind, Item, ItemKind, ItemSource, ItemStatus, Preferences, Subscriber
from core.model import SubscriberStatus as Status
from core.settings import NetworkSettings, Social
from digest.assemble import newsletter_entries
from digest.personalise import PreparedSegment
from digest.render import Renderer
from digest.segments import Taxonomy, segment_key, segments

ITEMS, SEGMENTS, SUBSCRIBERS, NAIVE_SAMPLE = 60, 300, 20_000, 200
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
            territory=rng.choice(TERRITORIES), tags=rng.sample(THEMES, 2),
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
        keep = set(rng.sample(order, rng.randint(30, ITEMS)))
        contents.add(tuple(i for i in order if i in keep))
    renderer.render(issue, items, order, key="warm", when=WHEN)  # first call loads templates
    t = time.perf_counter()
    rendered = [renderer.render(issue, items, c, key=segment_key(1, c), when=WHEN) for c in contents]
    t_render = time.perf_counter() - t
    sizes = sorted(len(r.html.encode()) for r in rendered)

    t = time.perf_counter()
    prepared = [PreparedSegment(r) for r in rendered]
    personal_bytes = 0
    for n in range(SUBSCRIBERS):
        html, text = prepared[n % SEGMENTS].fill({
            Placeholder.UNSUBSCRIBE_URL: f"https://relais.resacoop.example/u/{n}xxxxxxxx",
            Placeholder.PREFERENCES_URL: f"https://relais.resacoop.example/p/{n}xxxxxxxx",
            Placeholder.VIEW_URL: "https://relais.resacoop.example/archives/1",
            Placeholder.EMAIL: f"s{n}@exemple.fr",
        })  # fmt: skip
        personal_bytes += len(html) + len(text)
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
        (f"placeholder filling × {SUBSCRIBERS:,} ({personal_bytes / 2**20:.0f} MB of bodies)", f"{t_subst:.2f} s",
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
