"""The load client, run as a second process: log in, then N requests from C concurrent clients; JSON on stdout.

python -m bench.load URL EMAIL PASSWORD CLIENTS REQUESTS PATH...
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import sys
import time

import httpx


async def session(base: str, email: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    page = await client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    r = await client.post("/admin/login", data={"email": email, "password": password, "csrf_token": token.group(1)})
    assert r.status_code in {200, 303}, r.text
    return client


async def run(base: str, email: str, password: str, clients: int, total: int, paths: list[str]) -> dict[str, object]:
    pool = [await session(base, email, password) for _ in range(clients)]
    for c in pool:  # warm up: templates compiled, connections open, caches filled
        for p in paths:
            await c.get(p)
    times: list[float] = []
    per_path: dict[str, list[float]] = {p: [] for p in paths}
    errors = 0
    queue = list(range(total))

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while queue:
            n = queue.pop()
            path = paths[n % len(paths)]
            t0 = time.perf_counter()
            r = await client.get(path)
            ms = (time.perf_counter() - t0) * 1000
            if r.status_code != 200:
                errors += 1
            times.append(ms)
            per_path[path].append(ms)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in pool))
    elapsed = time.perf_counter() - t0
    for c in pool:
        await c.aclose()
    times.sort()
    return {
        "requests": len(times),
        "rps": len(times) / elapsed,
        "median_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "max_ms": times[-1],
        "errors": errors,
        "per_path": {p: statistics.median(v) for p, v in per_path.items() if v},
    }


def main(argv: list[str]) -> None:
    base, email, password, clients, total, *paths = argv
    print(json.dumps(asyncio.run(run(base, email, password, int(clients), int(total), paths))))


if __name__ == "__main__":
    main(sys.argv[1:])
