"""A throwaway PostgreSQL cluster the test starts itself: Debian's ``initdb`` and ``pg_ctl`` on a free port of
127.0.0.1, in a temporary folder, stopped and started again at will (the outage tests restart it mid-send).

``initdb`` refuses to run as root: as root (CI's ``.ci/run``) it runs as the ``postgres`` user Debian's package
creates, in a folder that user owns. The tests skip, saying why, only where that is impossible.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.live import free_port


def _bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


@dataclass
class Cluster:
    bin: Path
    data: Path
    port: int
    as_user: list[str]

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        cmd = [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args]
        subprocess.run(cmd, check=True, capture_output=True, timeout=90)

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._ctl("-o", opts, "-l", str(self.data / "server.log"), "start")

    def stop(self) -> None:
        """``-m fast``: sessions are ended as in a restart (clients get ``AdminShutdown``)."""
        self._ctl("-m", "fast", "stop")

    def running(self) -> bool:
        cmd = [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]
        return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0

    def create_database(self, name: str) -> str:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """Skips when the binaries are missing or no unprivileged user can run them."""
    bin_dir = _bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server binaries are not installed (Debian: postgresql)")
    as_user: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:  # initdb refuses root: run it as Debian's postgres user
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run initdb as")
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("running as root without runuser to run initdb as postgres")
        as_user = [runuser, "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="relais-pg-"))
    try:
        if owner is not None:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        root.chmod(0o700)
        data = root / "data"
        init = [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
        done = subprocess.run([*init, "--no-sync", "--no-instructions"], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            pytest.skip(f"initdb failed: {done.stderr.strip()[-300:]}")
        cluster = Cluster(bin_dir, data, free_port(), as_user)
        cluster.start()
        try:
            yield cluster
        finally:
            if cluster.running():
                cluster.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
