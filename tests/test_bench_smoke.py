"""Every benchmark runs to its table at its smoke size, on SQLite and on PostgreSQL when the tests have it.

Run by ``make bench-smoke`` (CI, after the tests: ``.ci/run``), which sets RELAIS_BENCH_SMOKE=1; skipped in a plain
``make test``, but for the check that every benchmark is listed. Each benchmark runs as
``python -m bench --smoke NAME`` in a subprocess, as a person would run it; nothing about time is asserted, only
that it exits 0 having printed its table. A benchmark that builds its data by hand from an older schema, or calls
code that has gone, fails here instead of on the day of a measurement. ``extraction`` and ``discover`` read their
small corpus in ``bench/smoke_corpus/`` (the real one lives beside the project, in ../shared/realworld, which a
fresh clone does not have).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS

ROOT = Path(__file__).resolve().parent.parent
# The benchmarks that store data: each runs on PostgreSQL too when RELAIS_TEST_DATABASE_URL is set (in a database
# beside the tests', see bench.support.pg_url).
ON_BOTH_ENGINES = {"figures", "subscribers", "watch", "delivery", "triage", "admin_issues", "staff", "load", "national"}
SECONDS = 150

SMOKE_RUN = pytest.mark.skipif(
    os.environ.get("RELAIS_BENCH_SMOKE") != "1", reason="the smoke benchmarks run with `make bench-smoke`"
)


def test_every_benchmark_is_listed() -> None:
    """A new module in bench/ is run by ``python -m bench`` (and so by the smoke run), or is a helper named here."""
    modules = {p.stem for p in (ROOT / "bench").glob("*.py")}
    helpers = {"__init__", "__main__", "support", "newsletter", "places_fr", "triage_app", "load_mix"}
    assert sorted(modules - helpers) == sorted(BENCHMARKS)


@SMOKE_RUN
@pytest.mark.timeout(SECONDS + 30)
@pytest.mark.parametrize("name", BENCHMARKS)
def test_runs_to_its_table(name: str) -> None:
    env = {**os.environ, "RELAIS_BENCH_SMOKE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", name],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=SECONDS, check=False,
    )  # fmt: skip
    out = done.stdout
    assert done.returncode == 0, f"exit {done.returncode}\n{out[-2000:]}\n{done.stderr[-4000:]}"
    table = [line for line in out.splitlines() if line.startswith("|")]
    assert len(table) >= 3, f"no table printed:\n{out[-3000:]}"
    if name in ON_BOTH_ENGINES and os.environ.get("RELAIS_TEST_DATABASE_URL"):
        assert "postgresql" in out.lower(), f"not run on PostgreSQL:\n{out[-3000:]}"
        assert "PostgreSQL: not measured" not in out, out[-3000:]
