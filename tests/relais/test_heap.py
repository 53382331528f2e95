from __future__ import annotations

import gc
import weakref

from relais.heap import freeze_startup


def test_what_startup_built_is_out_of_the_collectors_walks() -> None:
    built = [{"startup": n} for n in range(1000)]
    try:
        freeze_startup()
        assert gc.get_freeze_count() >= len(built)
        frozen = gc.get_freeze_count()
        gc.collect()
        assert gc.get_freeze_count() == frozen  # a full collection leaves them where they are
    finally:
        gc.unfreeze()


def test_what_startup_left_as_garbage_is_collected_first() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    try:
        gc.disable()  # no collection may free it before freeze_startup does
        left = weakref.ref(Node())
        assert left() is not None
        freeze_startup()
        assert left() is None  # freed, not frozen forever
    finally:
        gc.enable()
        gc.unfreeze()
