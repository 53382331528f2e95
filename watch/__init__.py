"""The watch: sources → fetch → parse → enrich → deduplicate → store, with health and backoff.

Nothing here knows about email. The orchestrator is :func:`watch.collect.collect_async` (run by
:meth:`watch.service.Watch.collect`); everything else decides.
"""

import sys

# ``import httpx`` also imports httpx's command line (``httpx._main``: click, rich, pygments, ~6 MB resident) whenever
# they are installed (encode/httpx#3547); Relais never runs it. Marked missing before the watch imports httpx, httpx
# takes its own fallback (``httpx.main`` then only says the command line is unavailable).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
