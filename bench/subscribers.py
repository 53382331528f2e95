"""Subscribers: import 100,000 CSV rows (target ≤ 20 s) and segment counts over 100,000 subscribers (≤ 200 ms),
on SQLite and, when RELAIS_BENCH_DATABASE_URL or RELAIS_TEST_DATABASE_URL names one, PostgreSQL (see
``bench.support.pg_url``).

    python -m bench subscribers            # 100,000 rows
    RELAIS_BENCH_ROWS=20000 python -m bench subscribers
    python -m bench --smoke subscribers   # 300 rows
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.support import each_engine, print_results, size
from core.clock import FrozenClock
from core.model import ItemKind, Stream
from core.settings import load_settings
from storage.database import Database
from subscribers import segments
from subscribers.importer import import_csv
from subscribers.preferences import Choices

ROOT = Path(__file__).resolve().parent.parent
IMPORT_TARGET_S = 20.0
SEGMENT_TARGET_MS = 200.0


def make_csv(rows: int, choices: Choices, rng: random.Random) -> bytes:
    """A ;-separated file, several values in a cell separated by | (see subscribers.vocabulary)."""
    themes = [s for s, _ in choices.themes]
    zones = [s for s, _ in choices.zones]
    territories = [s for s, _ in choices.territories]
    kinds = [str(k) for k in ItemKind]
    orgs = ["association", "local_authority", "education", "company", "other", ""]
    lines = ["email;name;organisation_type;kinds;themes;zones;territories;streams"]
    for i in range(rows):
        lines.append(";".join([
            f"personne{i}@asso{i % 997}.example.fr",
            f"Personne n°{i}",
            rng.choice(orgs),
            "|".join(rng.sample(kinds, rng.randint(0, 2))),
            "|".join(rng.sample(themes, rng.randint(0, 3))),
            "|".join(rng.sample(zones, rng.randint(0, 1))),
            "|".join(rng.sample(territories, rng.randint(0, 2))),
            rng.choice(["newsletter", "emailing", "newsletter|emailing", "newsletter|emailing"]),
        ]))  # fmt: skip
    return ("\n".join(lines) + "\n").encode("utf-8")


def audiences(choices: Choices, rng: random.Random, n: int) -> list[dict[str, list[str]]]:
    out: list[dict[str, list[str]]] = [{}]
    for _ in range(n - 1):
        out.append({
            "kinds": rng.sample([str(k) for k in ItemKind], rng.randint(0, 2)),
            "themes": rng.sample([s for s, _ in choices.themes], rng.randint(0, 3)),
            "zones": rng.sample([s for s, _ in choices.zones], rng.randint(0, 2)),
            "territories": rng.sample([s for s, _ in choices.territories], rng.randint(0, 3)),
        })  # fmt: skip
    return out


def run_on(name: str, db: Database, data: bytes, choices: Choices, rows: int) -> list[tuple[str, str, str, str]]:
    clock = FrozenClock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    start = time.perf_counter()
    report = import_csv(db, clock, data, choices, confirmed=True, basis="benchmark")
    import_s = time.perf_counter() - start
    assert report.summary["created"] == rows, report.summary
    rng = random.Random(11)
    timings, counts = [], []
    for audience in audiences(choices, rng, 30):
        for stream in (None, Stream.NEWSLETTER, Stream.EMAILING):
            t0 = time.perf_counter()
            counts.append(segments.count(db, audience, stream))
            timings.append((time.perf_counter() - t0) * 1000)
    worst, median = max(timings), statistics.median(timings)
    return [
        (name, f"import {rows:,} CSV rows", f"{import_s:.2f} s", _verdict(import_s <= IMPORT_TARGET_S, "≤ 20 s")),
        (name, f"segment count, median of {len(timings)}", f"{median:.1f} ms",
         _verdict(median <= SEGMENT_TARGET_MS, "≤ 200 ms")),
        (name, "segment count, worst", f"{worst:.1f} ms", _verdict(worst <= SEGMENT_TARGET_MS, "≤ 200 ms")),
    ]  # fmt: skip


def _verdict(ok: bool, target: str) -> str:
    return f"{'ok' if ok else 'MISSED'} ({target})"


def main() -> None:
    rows = int(os.environ.get("RELAIS_BENCH_ROWS", str(size(100_000, 300))))
    settings = load_settings(ROOT / "config.toml", environ={})
    choices = Choices.from_taxonomy(settings.taxonomy)
    data = make_csv(rows, choices, random.Random(3))
    results = []
    for engine, db in each_engine():
        results += run_on(engine, db, data, choices, rows)
    print_results(f"subscribers ({rows:,} rows, {len(data) / 1e6:.1f} MB CSV)", results)


if __name__ == "__main__":
    main()
