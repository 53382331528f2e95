"""Run the benchmarks: ``python -m bench`` (all) or ``python -m bench watch digest`` (some).

``python -m bench --smoke [NAME…]`` (or ``RELAIS_BENCH_SMOKE=1``) runs them at their smoke size, in seconds: what
``make bench-smoke`` does in CI so that no benchmark rots between two measurements (see ``bench/support.py``).
"""

from __future__ import annotations

import importlib
import os
import sys

# Each module has ``main() -> None`` that measures, prints a table and compares with a reference run alongside.
BENCHMARKS: list[str] = [
    "digest",
    "figures",
    "subscribers",
    "watch",
    "extraction",
    "discover",
    "delivery",
    "compose",
    "alerts",
    "triage",
    "admin_issues",
    "staff",
    "load",
    "national",
]


# Options without a value; any other ``--option`` takes the next argument unless written ``--option=value``.
FLAGS = {"--smoke", "--files"}


def names(argv: list[str]) -> list[str]:
    """The benchmark names; options (``--clients 10``, ``--seconds=20``) are left to the benchmarks that read them."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in FLAGS:
            continue
        elif arg.startswith("--"):
            skip = "=" not in arg
        else:
            out.append(arg)
    return out


def main(argv: list[str]) -> int:
    chosen = names(argv) or BENCHMARKS
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    if "--smoke" in argv:
        os.environ["RELAIS_BENCH_SMOKE"] = "1"  # before the modules are imported: their sizes read it
    for name in chosen:
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
