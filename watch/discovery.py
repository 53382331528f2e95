"""The discovery orchestrator: the only part of discovery that does I/O.

    fetch the page (outbound policy) | read it (pure: :func:`watch.discover.read_page`)
        | fetch the declared feeds and calendars (concurrently, at most a few) | else try a few common feed paths,
          one after the other, stopping at the first feed | preview every proposal with the collector's parser
        | prefer a feed whose items are the page's | rank  ->  Discovery

Every candidate address goes through the same fetcher as a collection, so a feed link to a private address or a
file is refused by the policy and shown with its reason; nothing here raises past :func:`discover`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.errors import FetchError, RelaisError
from core.model import Item, Source
from watch.discover import Findings, Proposal, Way, rank, read_page, same_items, sniff
from watch.fetch import Fetched, Fetcher, HttpStatusError
from watch.outbound import OutboundRefused
from watch.parse import parse_body
from watch.tags import _Compiled

PREVIEW = 20  # items kept per proposal
BUDGET = 30.0  # seconds the candidates (declared feeds and calendars, common paths) share after the page


@dataclass(slots=True)
class Discovery:
    """What pasting an address gave: proposals best first, or why there are none (in French)."""

    url: str
    title: str = ""
    proposals: list[Proposal] = field(default_factory=list)
    problem: str | None = None
    tried: list[str] = field(default_factory=list)  # common feed paths asked for
    seconds: float = 0.0  # time to propose after the page was fetched

    def as_list(self) -> list[dict[str, Any]]:
        return [p.as_dict() for p in self.proposals]


def french(exc: RelaisError) -> str:
    """A fetch error as an editor reads it. The policy's refusals are already French."""
    if isinstance(exc, OutboundRefused):
        return str(exc)
    if isinstance(exc, HttpStatusError):
        return f"le serveur a répondu HTTP {exc.status}" + (" (page introuvable)" if exc.status == 404 else "")
    msg = str(exc)
    if "redirects" in msg:
        return "trop de redirections (une boucle ?)"
    if "limit" in msg and "byte" in msg:
        return "réponse trop lourde pour être lue (au-delà de la limite de taille)"
    if "timed out" in msg or "no complete answer" in msg:
        return "pas de réponse complète dans le délai"
    if msg.startswith("cannot parse"):
        return "contenu illisible dans ce format"
    return f"adresse injoignable ({msg[:120]})"


async def discover(
    fetcher: Fetcher,
    url: str,
    *,
    reference: datetime,
    rules: Sequence[_Compiled] = (),
    local: bool = True,
    budget: float = BUDGET,
) -> Discovery:
    """Fetch ``url`` and propose ways to follow it. ``local``: ``url`` may be a file written in config.toml (the
    policy decides); every address found in the page is fetched as a network address. The candidates share
    ``budget`` seconds after the page: one that has not answered by then is listed with that reason."""
    url = url.strip()
    if url.lower().startswith("webcal:"):
        url = "https:" + url[len("webcal:") :]
    try:
        page = await fetcher.fetch(url, local=local)
    except RelaisError as exc:
        return Discovery(url, problem=f"Impossible de lire la page : {french(exc)}.")
    out, found = await propose_page(page, url, reference=reference, rules=rules)
    started = time.perf_counter() - out.seconds
    page_items = next((p.items for p in found.proposals if p.way == Way.BLOCKS and p.items), [])
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget
    remote = [p for p in found.proposals if p.way in {Way.FEED, Way.CALENDAR} and not p.checked]
    if remote:
        tasks = [asyncio.ensure_future(_check(fetcher, p, reference, rules)) for p in remote]
        _, late = await asyncio.wait(tasks, timeout=budget)
        for task in late:
            task.cancel()
        for p in remote:
            if not p.checked:
                p.checked, p.error = True, f"pas de réponse dans les {budget:g} s de la recherche"
    proposals = list(found.proposals)
    for guess in found.guesses:
        if loop.time() >= deadline:
            break
        out.tried.append(guess)
        try:
            async with asyncio.timeout_at(deadline):
                answered = await _guess(fetcher, guess, found.title, reference, rules)
        except TimeoutError:
            break
        if answered is not None:
            proposals.append(answered)
            break
    for p in proposals:
        if p.way in {Way.FEED, Way.GUESSED_FEED} and p.items:
            p.score += 10 * same_items(p.items, page_items)
    out.proposals = rank(proposals)
    out.seconds = time.perf_counter() - started
    if any(p.items for p in out.proposals):
        out.problem = None  # a common feed path answered where the page itself offered nothing
    elif not any(p.items or not p.checked for p in out.proposals) and out.problem is None:
        out.problem = "Aucune des pistes trouvées ne donne d'éléments : " + "; ".join(
            f"{p.source.url[:80]} — {p.error or 'aucun élément'}" for p in out.proposals[:4]
        )
    return out


async def propose_page(
    page: Fetched, url: str, *, reference: datetime, rules: Sequence[_Compiled] = ()
) -> tuple[Discovery, Findings]:
    """The proposals a fetched page makes by itself, those read from its own body previewed, ranked; nothing
    fetched (the benchmark measures this part)."""
    started = time.perf_counter()
    found = await asyncio.to_thread(read_page, page.body, page.url, page.content_type, reference=reference)
    for p in found.proposals:
        if p.source.url == page.url and url != page.url:
            p.source.url = url  # follow the address the editor gave, not where it redirected today
    for p in found.proposals:
        if p.way in {Way.BLOCKS, Way.STRUCTURED, Way.API} or p.source.url == url:
            await _preview(p, page, reference, rules)
    out = Discovery(url, found.title, rank(found.proposals), found.problem)
    out.seconds = time.perf_counter() - started
    return out, found


async def _preview(p: Proposal, fetched: Fetched, reference: datetime, rules: Sequence[_Compiled]) -> None:
    p.checked = True
    try:
        entries = await asyncio.to_thread(
            parse_body, p.source, fetched.body, fetched.url, fetched.content_type, reference=reference, rules=rules
        )
    except RelaisError as exc:
        p.error = french(exc)
        return
    p.items = [e.item for e in entries[:PREVIEW]]
    if not entries:
        p.error = "aucun élément lu à cette adresse"


async def _check(fetcher: Fetcher, p: Proposal, reference: datetime, rules: Sequence[_Compiled]) -> None:
    try:
        fetched = await fetcher.fetch(p.source.url)
    except RelaisError as exc:
        p.checked, p.error = True, f"refusé ou injoignable : {french(exc)}"
        return
    what = sniff(fetched.body, fetched.content_type)
    wanted = "ical" if p.way == Way.CALENDAR else "feed"
    if what != wanted:
        p.checked, p.error = (
            True,
            "l'adresse ne renvoie pas " + ("un agenda iCalendar" if wanted == "ical" else "un flux"),
        )
        return
    await _preview(p, fetched, reference, rules)


async def _guess(
    fetcher: Fetcher, url: str, title: str, reference: datetime, rules: Sequence[_Compiled]
) -> Proposal | None:
    """A common feed path: a proposal only if it answers with a feed that has items."""
    try:
        fetched = await fetcher.fetch(url)
    except (FetchError, RelaisError):
        return None
    if sniff(fetched.body, fetched.content_type) != "feed":
        return None
    from core.model import ItemKind, SourceKind

    source = Source(name=title[:200] or url, url=url, kind=SourceKind.FEED, item_kind=ItemKind.NEWS, origin="admin")
    p = Proposal(Way.GUESSED_FEED, source, f"Flux trouvé à une adresse habituelle du site ({url})", 85.0)
    await _preview(p, fetched, reference, rules)
    return p if p.items else None


__all__ = ["Discovery", "Item", "discover", "french", "propose_page"]
