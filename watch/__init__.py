"""The watch: sources → fetch → parse → enrich → deduplicate → store, with health and backoff.

Nothing here knows about email. The orchestrator is :func:`watch.collect.collect_async` (run by
:meth:`watch.service.Watch.collect`); everything else decides.
"""
