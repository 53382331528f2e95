"""Key figures ("chiffres clés"): what was collected, published and sent over a period, computed from the items
and the delivery ledger, never from hand-kept counters."""
