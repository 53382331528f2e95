"""``docs/production.md`` followed literally on this machine, as on a fresh server: PostgreSQL, SMTP (a local
aiosmtpd standing in for the relay, with authentication), secrets only in the environment, JSON logs,
``relais serve --workers 2`` behind a proxy, one scheduler, a backup, a clean stop on SIGTERM.

The config file is the guide's own TOML block, with only the addresses changed (and DKIM off: no key to
publish here); the commands are the guide's, in its order.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import text

from storage.database import Database
from tests.conftest import PG_URL
from tests.delivery.smtp_servers import free_port

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "production.md"
SECRET_KEY, SMTP_PASSWORD, METRICS_TOKEN = "k" * 48, "mot de passe du relais", "jeton-prometheus-1234"

pytestmark = pytest.mark.skipif(not PG_URL, reason="the guide is for PostgreSQL: needs RELAIS_TEST_DATABASE_URL")


class Relay:
    """An SMTP relay that insists on the guide's username and the password from the environment."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.logins: list[str] = []

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"relais", SMTP_PASSWORD.encode())
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not session.authenticated:
            return "530 authentication required"
        self.messages.append((envelope.rcpt_tos[0], envelope.content))
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[tuple[Relay, int]]:
    handler, port = Relay(), free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=handler.authenticate, auth_require_tls=False
    )
    controller.start()
    yield handler, port
    controller.stop()


def guide_config(smtp_port: int, web_port: int, data: Path) -> str:
    """The guide's ``[network]…[logging]`` block, with this machine's addresses and folders."""
    block = re.search(r"```toml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    assert block, "the guide shows its config.toml"
    toml = block.group(1)
    replacements = {
        'base_url = "https://lettre.example.org"': f'base_url = "http://127.0.0.1:{web_port}"',
        'url = "postgresql+psycopg://relais@/relais"': f'url = "{PG_URL}"',
        'host = "smtp-relay.example.org"': 'host = "127.0.0.1"',
        "port = 587": f"port = {smtp_port}",
        'security = "starttls"': 'security = "none"',
        "enabled = true": "enabled = false",  # DKIM: no key file on a test machine
        "workers = 4": "workers = 2",
        '"/srv/relais/outbox"': f'"{data / "outbox"}"',
    }
    for old, new in replacements.items():
        assert old in toml, f"the guide's config changed: {old!r} not found"
        toml = toml.replace(old, new)
    assert "[web]\n" in toml
    return toml.replace("[web]\n", f"[web]\nport = {web_port}\n")  # the guide keeps the default 8000


def write_config(tmp: Path, smtp_port: int, web_port: int) -> Path:
    toml = guide_config(smtp_port, web_port, tmp / "srv")
    path = tmp / "etc" / "config.toml"
    path.parent.mkdir()
    path.write_text(toml, encoding="utf-8")
    return path


def relais(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "relais", *args], input=stdin, capture_output=True, text=True, env=env, cwd=ROOT,
        timeout=120,
    )  # fmt: skip


def wait_for(predicate: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def json_lines(path: Path) -> list[dict[str, Any]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    bad = [line for line in lines if not line.startswith("{")]
    assert not bad, f"non-JSON log lines: {bad[:5]}"
    return [json.loads(line) for line in lines]


def test_the_production_guide_works_from_a_fresh_machine(tmp_path: Path, relay: tuple[Relay, int]) -> None:
    handler, smtp_port = relay
    web_port = free_port()
    db = Database(PG_URL)  # a fresh, empty database as `createdb` leaves it
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.dispose()

    # 2. Configure: the TOML file, and the secrets in the environment only.
    config = write_config(tmp_path, smtp_port, web_port)
    assert "password" not in config.read_text(encoding="utf-8").replace('password = ""', "")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    env |= {"RELAIS_CONFIG": str(config), "RELAIS_SMTP_PASSWORD": SMTP_PASSWORD, "RELAIS_SECRET_KEY": SECRET_KEY,
            "RELAIS_METRICS_TOKEN": METRICS_TOKEN}  # fmt: skip
    check = relais(env, "config", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    up = relais(env, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    user = relais(env, "users", "add", "you@example.org", "--role", "admin", "--password-stdin",
                  stdin="un mot de passe solide\n")  # fmt: skip
    assert user.returncode == 0, user.stderr

    # 3. Processes: four (here two) passive web workers and one scheduler in the supervisor.
    log = tmp_path / "journal.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "relais", "serve", "--workers", "2"], env=env, cwd=ROOT, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{web_port}"

            def healthy() -> bool:
                try:
                    return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return server.poll() is not None  # stop waiting: the assertion below says why

            wait_for(healthy, "/healthz")
            assert server.poll() is None, log.read_text(encoding="utf-8")[-2000:]

            # 4. Observe: metrics behind the token, JSON logs, one scheduler.
            assert httpx.get(f"{base}/metrics").status_code == 401
            assert httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer faux"}).status_code == 401
            metrics = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
            assert metrics.status_code == 200 and "relais_send_queue_depth" in metrics.text

            # a sign-up behind the proxy: the confirmation goes through the relay with the password from the env
            r = httpx.post(f"{base}/subscribe", data={"email": "nouvelle@asso.example.org", "streams": "newsletter",
                                                      "streams_shown": "1"},
                           headers={"X-Forwarded-For": "203.0.113.9"})  # fmt: skip
            assert r.status_code == 200, r.text
            wait_for(lambda: handler.messages, "the confirmation email at the relay", timeout=30)
            assert handler.messages[0][0] == "nouvelle@asso.example.org" and handler.logins == ["relais"]

            def send_due_runs() -> list[dict[str, Any]]:
                return [e for e in json_lines(log) if e.get("event", e.get("message")) == "job.start"
                        and e.get("action") == "deliveries.send_due"]  # fmt: skip

            wait_for(lambda: send_due_runs(), "the scheduler's first run of deliveries.send_due")
            time.sleep(3)  # time for a second scheduler (one per worker) to show itself, if there were one
            assert len(send_due_runs()) == 1

            # 5. Back up while serving.
            archive = tmp_path / "backups" / "relais.tar.gz"
            backup = relais(env, "backup", str(archive))
            assert backup.returncode == 0, backup.stderr
            assert archive.stat().st_size > 0
        finally:
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=60)
    entries = json_lines(log)
    assert code == 0, log.read_text(encoding="utf-8")[-2000:]
    assert not [e for e in entries if e.get("level") in {"ERROR", "CRITICAL", "error", "critical"}]
    db = Database(PG_URL)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM subscribers")).scalar_one() == 1
        ip = conn.execute(text("SELECT ip FROM consent_events WHERE action = 'signup'")).scalar_one()
    db.dispose()
    assert ip == "203.0.113.9", "behind_proxy: the client's address comes from X-Forwarded-For"
