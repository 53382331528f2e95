"""Exactly one scheduler per deployment: a second one stands by and takes over when the first is gone."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from core.settings import load_settings
from relais import jobs
from relais.scheduler import Leader, Role, start
from relais.wiring import Services, build_services
from storage.locks import HeldLock

ROOT = Path(__file__).parents[2]


@pytest.fixture
def two_services(database_url: str) -> Iterator[tuple[Services, Services]]:
    """Two processes' worth of services over the same database (no sources: nothing to fetch)."""
    made = []
    for _ in range(2):
        settings = load_settings(ROOT / "config.toml")
        settings.database.url = database_url
        settings.sources = []
        made.append(build_services(settings))
    yield made[0], made[1]
    for svc in made:
        svc.close()


def wait_until(check: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)


def test_the_second_scheduler_stands_by_then_takes_over(two_services: tuple[Services, Services]) -> None:
    first_svc, second_svc = two_services
    said: list[tuple[str, Role]] = []
    first = Leader(first_svc, poll=0.1, notify=lambda role: said.append(("first", role))).start()
    second = Leader(second_svc, poll=0.1, notify=lambda role: said.append(("second", role))).start()
    try:
        assert (first.leading, first.role) == (True, Role.LEADING)
        assert (second.leading, second.role) == (False, Role.STANDBY)
        time.sleep(0.5)  # several polls: the standby keeps waiting while the leader lives
        assert not second.leading and first.leading
        with first_svc.db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM apscheduler_jobs")).scalar_one() > 0

        first.shutdown(wait=True)
        wait_until(lambda: second.leading)
        assert (second.leading, second.role) == (True, Role.LEADING)
        assert second.scheduler is not None and second.scheduler.get_job("deliveries.send_due") is not None
    finally:
        first.shutdown()
        second.shutdown()
    assert said == [("first", Role.LEADING), ("second", Role.STANDBY), ("second", Role.LEADING)]


def test_a_leader_takes_its_lock_back_after_a_restart_unless_the_standby_was_first(
    two_services: tuple[Services, Services],
) -> None:
    first_svc, second_svc = two_services
    if first_svc.db.dialect != "postgresql":
        pytest.skip("only PostgreSQL's lock ends with a session; a file lock ends only with its process")
    first = Leader(first_svc, poll=3600)
    second = Leader(second_svc, poll=3600)

    def end_session(leader: Leader) -> None:
        conn = leader.lock.conn  # type: ignore[attr-defined]
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        conn.commit()
        with second_svc.db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()

    try:
        assert first.step() is Role.LEADING and second.step() is Role.STANDBY
        # the session ends, the leader looks first: it takes its lock back, the standby still waits
        end_session(first)
        assert (first.step(), first.leading) == (Role.LEADING, True)
        assert second.step() is Role.STANDBY
        # the session ends, the standby looks first: it leads, and the old leader stops its jobs
        end_session(first)
        assert (second.step(), second.leading) == (Role.LEADING, True)
        assert (first.step(), first.leading) == (Role.STEPPED_DOWN, False)
        assert first.step() is Role.STEPPED_DOWN  # and waits its turn
        second.shutdown()
        assert first.step() is Role.LEADING
    finally:
        first.shutdown()
        second.shutdown()


class _Unreachable(HeldLock):
    """A database that does not answer: every question about the lock fails."""

    def take(self) -> bool:
        raise OperationalError("SELECT pg_try_advisory_lock", {}, Exception("refused"), connection_invalidated=True)

    def keep(self) -> bool:
        return self.take()

    def release(self) -> None:
        self.take()


def test_an_outage_changes_no_role(two_services: tuple[Services, Services]) -> None:
    svc = two_services[0]
    standby = Leader(svc, poll=3600, lock=_Unreachable(False))
    assert standby.step() is Role.STANDBY and not standby.leading
    standby.shutdown()  # releasing through a dead session is no error

    leader = Leader(svc, poll=3600)
    try:
        assert leader.step() is Role.LEADING
        real, leader.lock = leader.lock, _Unreachable(True)
        assert leader.step() is Role.LEADING and leader.leading  # its jobs keep waiting for the database
        leader.lock = real
    finally:
        leader.shutdown()


def test_standby_seconds_is_checked(tmp_path: Path) -> None:
    from core.errors import ConfigError

    cfg = tmp_path / "config.toml"
    cfg.write_text("[scheduler]\nstandby_seconds = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"scheduler\.standby_seconds"):
        load_settings(cfg)


@pytest.mark.slow
def test_two_scheduler_processes_one_runs_the_other_takes_over_when_it_is_killed(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[database]\nurl = "sqlite:///var/relais.db"\n[mail]\noutbox_dir = "outbox"\n'
        "[scheduler]\nstandby_seconds = 0.2\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}

    def relais(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "relais", "--config", str(cfg), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=ROOT,
        )

    def said(proc: subprocess.Popen[str]) -> str:
        """What the process prints next, up to its next blank-free pause: the lines of one message."""
        assert proc.stdout is not None
        return " ".join(proc.stdout.readline().split())

    upgrade = relais("db", "upgrade")
    assert upgrade.wait(timeout=60) == 0
    upgrade.communicate()
    first = relais("scheduler", "run")
    second: subprocess.Popen[str] | None = None
    try:
        assert "planificateur en marche" in said(first)
        second = relais("scheduler", "run")
        assert "un autre planificateur tourne déjà" in said(second)
        while "prendra la suite" not in said(second):  # the rest of the message, however the console wraps it
            pass
        first.send_signal(signal.SIGKILL)  # no goodbye: the kernel lets the lock go with the process
        first.wait(timeout=10)
        assert "planificateur en marche" in said(second)  # readline waits for it
        second.terminate()
        assert second.wait(timeout=30) == 0
    finally:
        for proc in (first, second):
            if proc is not None:
                if proc.poll() is None:
                    proc.kill()
                proc.communicate()


def test_a_slow_send_keeps_no_other_network_waiting(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One network's send hangs and a dozen long jobs hold every ordinary thread: the other network's send still
    runs, on the sends' own threads."""
    settings = load_settings(ROOT / "config.toml")
    settings.database.url = database_url
    settings.sources = []
    first = dataclasses.replace(settings.network, slug="resacoop", base_url="https://resacoop.relais.example")
    second = dataclasses.replace(first, slug="centraider", base_url="https://centraider.relais.example",
                                 departements=["18", "45"])  # fmt: skip
    settings.network, settings.networks = first, [first, second]
    services = build_services(settings)
    hold, sent = threading.Event(), threading.Event()

    def send_due(svc: Services) -> None:
        if svc.settings.network.slug == "resacoop":
            hold.wait(20)  # a send that hangs (a relay that answers nothing)
        else:
            sent.set()

    monkeypatch.setitem(jobs.ACTIONS, "deliveries.send_due", send_due)
    monkeypatch.setitem(jobs.ACTIONS, "test.long", lambda svc: hold.wait(20))
    scheduler = start(services)
    try:
        for n in range(12):  # more than the ordinary threads: collections due all at once
            scheduler.add_job("relais.jobs:run", "interval", args=["test.long"], id=f"long-{n}", hours=1,
                              next_run_time=datetime.now(UTC))  # fmt: skip
        assert sent.wait(15), "the second network's send waited for the first's"
    finally:
        hold.set()
        scheduler.shutdown(wait=True)
        services.close()
