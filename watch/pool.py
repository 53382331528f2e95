"""The parse workers: lean child processes, fed pickled jobs through pipes (an :class:`~concurrent.futures.Executor`).

    submit(fn, *args) | queue | one thread per worker: write the job (and the next), read its reply | the job's future

Each worker is a fresh interpreter running :func:`watch.work.main`, which imports only the parsers: about 35 MB
where a ``ProcessPoolExecutor`` worker took 67–81 MB (it imports the parent's main module, and needs a fork server
and a resource tracker, two more processes). A worker that dies (a parser crashing on a hostile body) fails only
its job, as an unreadable body, and is replaced (the job sent after it goes to the new one). A job's function is
pickled by name: its module is imported in the worker.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from core.errors import FetchError
from watch.work import READY, frame, read_frame

_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]
_STOP = None

# glibc's allocator, as a worker starts (its small heap keeps glibc's defaults): a block over 128 KB gets pages of its
# own (mmap) and is given back when freed, and a heap top over 128 KB free is given back too (trim). Parsing an item
# with lexbor and nh3 allocates and frees such blocks several times over: the kernel handed the same pages back,
# zeroed, about 18 times per item (32,400 page faults for the 1,800 items of bench watch's feeds). Blocks under 1 MB
# from the heap, and up to 8 MB of it kept: the same 1,800 items' text read in 0.067 s instead of 0.12, and a
# worker's parse of the 150 feeds 1.21 -> 1.08 CPU-s. The worker's peak is unchanged (the memory is reused). Read by
# glibc only (another C library ignores them); a value set in the service's own environment is kept.
MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(1 << 20), "MALLOC_TRIM_THRESHOLD_": str(8 << 20)}


def worker_environment() -> dict[str, str]:
    """The environment a parse worker starts with: this process's, with :data:`MALLOC`'s defaults."""
    return {**MALLOC, **os.environ}


class WorkerPool(Executor):
    """``workers`` parse processes, each started by its first job; ``warm`` starts them now and waits until each
    has imported the parsers (about a second)."""

    def __init__(self, workers: int, *, warm: bool = False) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        count = max(1, workers)
        self._threads = [_Worker(self._jobs, warm, count) for _ in range(count)]
        for t in self._threads:
            t.start()
        if warm:
            for t in self._threads:
                t.started.wait()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if kwargs:
            raise TypeError("WorkerPool jobs take positional arguments only")
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit to a pool that was shut down")
            future: Future[Any] = Future()
            self._jobs.put((future, fn, args))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if cancel_futures:
                while True:
                    try:
                        job = self._jobs.get_nowait()
                    except queue.Empty:
                        break
                    if job is not None:
                        job[0].cancel()
            for _ in self._threads:
                self._jobs.put(_STOP)
        if wait:
            for t in self._threads:
                t.join()


class _Worker(threading.Thread):
    """One child process, started with its first job (``warm``: at once), and the thread that talks to it: it
    sends the next job while the child runs one (when the queue holds enough for every worker), so the child does
    not wait for this thread between two jobs; replies come in order."""

    AHEAD = 2  # jobs sent to a child and not answered yet, at most

    def __init__(self, jobs: queue.SimpleQueue[_Job | None], warm: bool, workers: int) -> None:
        super().__init__(name="watch-parse", daemon=True)
        self.jobs = jobs
        self.warm = warm
        self.workers = workers
        self.started = threading.Event()
        self.process: subprocess.Popen[bytes] | None = None
        self.sent: deque[_Job] = deque()

    def run(self) -> None:
        stopping = False
        try:
            if self.warm:
                self._start()
            self.started.set()
            while not (stopping and not self.sent):
                if not self.sent:
                    job = self.jobs.get()
                    if job is None:
                        break
                    self._send(job)
                while not stopping and len(self.sent) < self.AHEAD and self.jobs.qsize() >= self.workers:
                    try:
                        job = self.jobs.get_nowait()
                    except queue.Empty:
                        break
                    if job is None:
                        stopping = True
                    else:
                        self._send(job)
                if self.sent:
                    self._receive()
        finally:
            self._stop()
            self.started.set()

    def _start(self) -> None:
        command = f"import sys; sys.path[:0] = {[p for p in sys.path if p]!r}; from watch.work import main; main()"
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-c", command], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=worker_environment()
        )
        try:
            hello = self._read()
        except EOFError:
            hello = None
        if hello != READY:
            self._stop()

    def _send(self, job: _Job) -> None:
        future, fn, args = job
        if not future.running() and not future.set_running_or_notify_cancel():
            return  # cancelled (a job sent again after its worker died is running already)
        try:
            data = frame((fn, args))
        except Exception as exc:  # arguments that do not pickle: this job's error
            future.set_exception(exc)
            return
        if self.process is None:
            self._start()
        self.sent.append(job)
        try:
            if self.process is None or self.process.stdin is None:
                raise EOFError
            self.process.stdin.write(data)
            self.process.stdin.flush()
        except (EOFError, OSError):
            self._died()

    def _receive(self) -> None:
        future = self.sent[0][0]
        try:
            ok, value = self._read()
        except (EOFError, OSError):
            self._died()
            return
        except Exception as exc:  # a reply that does not unpickle: this job's error
            self.sent.popleft()
            future.set_exception(exc)
            return
        self.sent.popleft()
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def _died(self) -> None:
        """The child is gone: the job it was running fails, the ones sent after it go to its successor."""
        code = self._stop()
        future = self.sent.popleft()[0]
        again = list(self.sent)
        self.sent.clear()
        future.set_exception(FetchError(f"the parse worker stopped (exit status {code})", code="unreadable_body"))
        for job in again:
            self._send(job)

    def _read(self) -> Any:
        if self.process is None or self.process.stdout is None:
            raise EOFError
        return read_frame(self.process.stdout)

    def _stop(self) -> int | None:
        """End the child (its input closed: it leaves its loop) and forget it; its exit status."""
        process, self.process = self.process, None
        if process is None:
            return None
        try:
            if process.stdin is not None:
                process.stdin.close()
        except OSError:
            pass
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()
        finally:
            if process.stdout is not None:
                process.stdout.close()
