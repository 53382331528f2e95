"""The mixed load client, run as a second process by ``python -m bench load``: C concurrent clients for S seconds.

python -m bench.load_mix PLAN.json   →   JSON on stdout

Each client is one browser: an editor's session (logged in once) that, request after request, picks one of
  triage      GET /admin/items with filters (as editors page through the list)
  approve     POST /admin/items/{id}/approve with the session's CSRF token (ids handed out once each)
  subscribe   POST /subscribe with a unique address
  unsubscribe POST /unsubscribe/{token} one-click (RFC 8058) with a seeded subscriber's token (used once each)
Each client comes from its own address (X-Forwarded-For, honoured because the bench runs with behind_proxy on),
as 50 people on 50 machines would; the rate limits per address stay as configured.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

KINDS = ("triage", "approve", "subscribe", "unsubscribe")
WEIGHTS = (50, 15, 20, 15)
FILTERS = [
    "/admin/items",
    "/admin/items?kind=funding",
    "/admin/items?kind=event&territory=69",
    "/admin/items?tag=eau",
    "/admin/items?deadline=30",
    "/admin/items?q=solidarit%C3%A9",
    "/admin/items?status=approved",
    "/admin/items?page=3",
]
SIGNUPS = itertools.count(1)  # unique addresses across clients
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    error_samples: list[str] = field(default_factory=list)
    signed_up: list[str] = field(default_factory=list)
    unsubscribed: list[int] = field(default_factory=list)
    approved: list[int] = field(default_factory=list)

    def record(self, kind: str, ms: float, response: httpx.Response, ok: set[int]) -> bool:
        self.latencies[kind].append(ms)
        if response.status_code in ok:
            return True
        self.errors[kind] += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{kind} {response.request.url.path} → {response.status_code}")
        return False


async def login(client: httpx.AsyncClient, email: str, password: str) -> str:
    page = await client.get("/admin/login")
    token = CSRF.search(page.text)
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    r = await client.post("/admin/login", data={"email": email, "password": password, "csrf_token": token.group(1)})
    if r.status_code not in {200, 303}:
        raise RuntimeError(f"login refused: {r.status_code}")
    page = await client.get("/admin/items")
    token = CSRF.search(page.text)
    if token is None:
        raise RuntimeError("no CSRF token on the items page")
    return token.group(1)


async def one_client(
    n: int, client: httpx.AsyncClient, csrf: str, tally: Tally, pools: dict[str, list[Any]], until: float
) -> None:
    rng = random.Random(n)
    while time.monotonic() < until:
        kind = rng.choices(KINDS, WEIGHTS)[0]
        if kind in ("approve", "unsubscribe") and not pools[kind]:
            kind = "triage"
        t0 = time.perf_counter()
        try:
            await one_request(n, kind, client, csrf, tally, pools, rng, t0)
        except httpx.TransportError as exc:  # a reset connection is an error response too: count it, go on
            tally.latencies[kind].append((time.perf_counter() - t0) * 1000)
            tally.errors[kind] += 1
            if len(tally.error_samples) < 10:
                tally.error_samples.append(f"{kind}: {type(exc).__name__} {exc}")


async def one_request(
    n: int, kind: str, client: httpx.AsyncClient, csrf: str, tally: Tally, pools: dict[str, list[Any]],
    rng: random.Random, t0: float,
) -> None:  # fmt: skip
    if kind == "triage":
        r = await client.get(rng.choice(FILTERS))
        tally.record(kind, (time.perf_counter() - t0) * 1000, r, {200})
    elif kind == "approve":
        item_id = pools[kind].pop()
        r = await client.post(f"/admin/items/{item_id}/approve", data={"csrf_token": csrf, "back": "/admin/items"})
        if tally.record(kind, (time.perf_counter() - t0) * 1000, r, {200, 303}):
            tally.approved.append(item_id)
    elif kind == "subscribe":
        email = f"charge{n}.{next(SIGNUPS)}@nouvelle-asso.example.org"
        form = {"email": email, "name": f"Chargée {n}", "organisation_type": "", "streams": "newsletter",
                "streams_shown": "1"}  # fmt: skip
        r = await client.post("/subscribe", data=form)
        if tally.record(kind, (time.perf_counter() - t0) * 1000, r, {200}):
            tally.signed_up.append(email)
    else:
        sub_id, token = pools[kind].pop()
        r = await client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
        if tally.record(kind, (time.perf_counter() - t0) * 1000, r, {200}):
            tally.unsubscribed.append(sub_id)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    tally = Tally()
    pools: dict[str, list[Any]] = {
        "approve": list(plan["approve_ids"]),
        "unsubscribe": [tuple(x) for x in plan["unsubscribe_tokens"]],
    }
    # Log every client in first (argon2 is slow on purpose): the timed window measures the mix, not the logins.
    clients = [
        httpx.AsyncClient(base_url=plan["url"], timeout=60, headers={"x-forwarded-for": f"10.{n // 250}.{n % 250}.7"})
        for n in range(plan["clients"])
    ]
    tokens = await asyncio.gather(*(login(c, plan["email"], plan["password"]) for c in clients))
    Path(plan["ready_file"]).touch()  # the bench starts the send now
    t0 = time.monotonic()
    until = t0 + plan["seconds"]
    try:
        await asyncio.gather(
            *(one_client(n, c, t, tally, pools, until) for n, (c, t) in enumerate(zip(clients, tokens, strict=True)))
        )
    finally:
        for c in clients:
            await c.aclose()
    elapsed = time.monotonic() - t0
    every = [ms for v in tally.latencies.values() for ms in v]
    return {
        "elapsed": elapsed,
        "requests": len(every),
        "rps": len(every) / elapsed,
        "kinds": {
            k: {
                "requests": len(v),
                "errors": tally.errors[k],
                "p50": percentile(v, 0.5),
                "p95": percentile(v, 0.95),
                "p99": percentile(v, 0.99),
            }
            for k, v in tally.latencies.items()
        },
        "all": {"p50": percentile(every, 0.5), "p95": percentile(every, 0.95), "p99": percentile(every, 0.99)},
        "errors": sum(tally.errors.values()),
        "error_samples": tally.error_samples,
        "signed_up": tally.signed_up,
        "unsubscribed": tally.unsubscribed,
        "approved": tally.approved,
    }


def main(argv: list[str]) -> None:
    plan = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    print(json.dumps(asyncio.run(run(plan))))


if __name__ == "__main__":
    main(sys.argv[1:])
