"""Key figures ("chiffres clés"): what was collected, published and sent over a period, computed from the items
and the delivery ledger, never from hand-kept counters.

    period.parse_period(...) -> Period             --year / --month / --from --to, in the network's timezone
    compute.with_previous(db, period, taxonomy)    -> (KeyFigures, KeyFigures of the period before)
    export.to_json / to_csv / rows                 the exports (keys in docs/figures.md)
    report.render_report(current, previous, ...)   the "Chiffres clés" HTML fragment with its SVG charts
"""
