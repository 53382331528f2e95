"""What a parse worker runs: a body in, enriched entries out.

A worker (:mod:`watch.pool`) is ``python -c "…main()"``: it imports this module and the parsers
(:mod:`watch.parse`), nothing else: not the collection's own imports (storage, SQLAlchemy, httpx), nor the
program that started it (multiprocessing's workers import the parent's main module: the ``relais`` command or a
benchmark, with everything they import).

    stdin: frames (function, arguments) | read ahead | call | stdout: frames (ok, result or exception)

A frame is an 8-byte big-endian length and a pickle. The worker says it is ready once the parsers are imported,
stops at the end of its input, and ignores Ctrl-C (its parent stops it by closing its input).

chardet, which feedparser calls only when a feed's declared encoding fails, is imported at that first call
(:func:`lean_imports`). Standard modules the parsers' libraries import (``ssl`` through feedparser's
``urllib.request``, OpenSSL's ``_hashlib``) are left alone: keeping them out saved ~5 MB a worker, and made every
module a job touches one that must import without them (a detail page's ``Fetched`` did not, and every such job
failed).
"""

from __future__ import annotations

import importlib
import os
import pickle
import queue
import signal
import struct
import sys
import threading
import types
from datetime import datetime
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any

from core.model import Source

if TYPE_CHECKING:
    from watch.entry import Entry
    from watch.fetched import Fetched
    from watch.tags import _Compiled


def parse_job(
    source: Source, body: bytes, url: str, content_type: str | None, now: datetime, rules: bytes
) -> list[Entry]:
    from watch.parse import parse_body

    return parse_body(source, body, url, content_type, reference=now, rules=_rules(rules))


def details_job(
    source: Source, entries: list[Entry], pages: list[Fetched | None], now: datetime, rules: bytes
) -> list[Entry]:
    from watch.parse import with_details

    return with_details(source, entries, pages, now, _rules(rules))


def ready() -> bool:
    """Import the parsers now: a worker started ahead of time pays for them before its first job."""
    import watch.parse  # noqa: F401

    return True


@lru_cache(maxsize=4)
def _rules(blob: bytes) -> tuple[_Compiled, ...]:
    """The tag rules of a pickled blob, unpickled once per worker process (and kept: the same object each time,
    so what the tag matcher derives from them is kept too)."""
    rules: tuple[_Compiled, ...] = pickle.loads(blob)  # noqa: S301 - our own collecting process pickled it
    return rules


_LENGTH = struct.Struct(">Q")
READY = "ready"


def frame(payload: object) -> bytes:
    """``payload`` as a frame; raises what pickle raises (before anything is written)."""
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


def write_frame(out: IO[bytes], payload: object) -> None:
    out.write(frame(payload))
    out.flush()


def read_frame(source: IO[bytes]) -> Any:
    """The next frame's object; EOFError at the end of the stream (or in the middle of a frame)."""
    head = source.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError
    (size,) = _LENGTH.unpack(head)
    data = source.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # noqa: S301 - frames come from our own collecting process


ON_FIRST_USE = ("chardet",)  # feedparser's fallback encoding detector: 1.7 MB, seldom called


class _OnFirstUse(types.ModuleType):
    """Stands in ``sys.modules`` for a module until one of its attributes is read: then the module is imported
    (once) and the attribute read from it. ``import name`` alone reads nothing."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):  # the import system probing (__path__, __file__...): not a use
            raise AttributeError(attr)
        module = self.__dict__.get("_module")
        if module is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            module = importlib.import_module(self.__name__)
            self.__dict__["_module"] = module
        return getattr(module, attr)


def lean_imports() -> None:
    """Defer what the parsers' libraries import and seldom use until it is used (the module's docstring); called
    before the parsers are imported, in a worker only."""
    for name in ON_FIRST_USE:
        sys.modules.setdefault(name, _OnFirstUse(name))


def main() -> None:
    """The worker's loop (see the module's docstring)."""
    lean_imports()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    frames = os.fdopen(os.dup(1), "wb")  # the frames get stdout; whatever a library prints goes to stderr
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    source = os.fdopen(0, "rb")
    # A thread reads the jobs as they come, so the parent can send the next job while this one runs (no wait for
    # the parent's thread between two jobs) and never blocks writing while this process writes a reply.
    jobs: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
    threading.Thread(target=_read_jobs, args=(source, jobs), daemon=True).start()
    ready()
    write_frame(frames, READY)
    while (job := jobs.get()) is not None:
        fn, args = job
        try:
            if isinstance(fn, BaseException):  # the frame did not unpickle
                raise fn
            reply = (True, fn(*args))
        except Exception as exc:  # the caller's future raises it
            reply = (False, exc)
        try:
            write_frame(frames, reply)
        except Exception as exc:  # a result or an exception that does not pickle
            write_frame(frames, (False, RuntimeError(f"{type(exc).__name__}: {exc}")))


def _read_jobs(source: IO[bytes], jobs: queue.SimpleQueue[tuple[Any, Any] | None]) -> None:
    while True:
        try:
            jobs.put(read_frame(source))
        except EOFError:
            jobs.put(None)
            return
        except Exception as exc:  # one frame's error, in its place
            jobs.put((exc, ()))
