"""The bounce mailbox through the composition root: the scheduler's job and ``relais bounces fetch``, against
Dovecot on 127.0.0.1 (tests/subscribers/dovecot.py)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner

from core.clock import FrozenClock
from core.model import SubscriberStatus
from core.settings import load_settings
from relais import jobs
from relais.bounce_mail import read_bounce_mailbox
from relais.cli import app
from relais.wiring import Services, build_services, build_subscribers
from storage.subscribers import SubscriberRepository
from subscribers.importer import import_csv
from tests.subscribers.dovecot import PASSWORD, USER, Dovecot, dovecot

DATA = Path(__file__).parents[1] / "subscribers" / "data" / "mailbox"
pytestmark = pytest.mark.usefixtures("in_process_cli")


@pytest.fixture
def server() -> Iterator[Dovecot]:
    with dovecot() as d:
        d.append((DATA / "postfix_hard.eml").read_bytes().replace(b"\n", b"\r\n"))
        d.append((DATA / "reply.eml").read_bytes().replace(b"\n", b"\r\n"))
        yield d


def config(tmp_path: Path, database_url: str, port: int | None, password: str = PASSWORD) -> Path:
    box = (
        f'[subscribers.bounces]\nimap_host = "127.0.0.1"\nimap_port = {port}\nsecurity = "none"\n'
        f'username = "{USER}"\npassword = "{password}"\nprocessed_folder = "Relais/Traités"\nevery = "5m"\n'
        if port
        else ""
    )
    p = tmp_path / "config.toml"
    p.write_text(f'[database]\nurl = "{database_url}"\n[web]\nsecret_key = "{"k" * 40}"\n' + box, encoding="utf-8")
    return p


def services_for(cfg: Path, clock: FrozenClock) -> Services:
    services = build_services(load_settings(cfg, environ={}), clock=clock)
    kit = build_subscribers(services)
    import_csv(services.db, clock, b"email\nancien.salarie@asso-exemple.fr\n", kit.choices, confirmed=True, basis="t")
    return services


def test_the_job_is_planned_only_with_a_mailbox(tmp_path: Path, database_url: str, clock: FrozenClock) -> None:
    without = build_services(load_settings(config(tmp_path, database_url, None), environ={}), clock=clock)
    with_box = build_services(load_settings(config(tmp_path, database_url, 1143), environ={}), clock=clock)
    try:
        planned = [spec for plan in jobs.PLANNERS for spec in plan(with_box)]
        box_jobs = [spec for spec in planned if spec.action == "subscribers.bounces"]
        assert len(box_jobs) == 1 and box_jobs[0].at_start
        assert box_jobs[0].trigger.interval.total_seconds() == 300  # type: ignore[attr-defined]
        assert not any(spec.action == "subscribers.bounces" for plan in jobs.PLANNERS for spec in plan(without))
    finally:
        without.close()
        with_box.close()


def test_the_job_reads_the_mailbox_and_a_refusal_is_a_warning(
    server: Dovecot, tmp_path: Path, database_url: str, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    services = services_for(config(tmp_path, database_url, server.port, password="faux"), clock)
    try:
        jobs.attach(services)
        with caplog.at_level(logging.INFO, logger="relais.jobs"):
            jobs.run("subscribers.bounces")  # a wrong password: said, not raised (the scheduler goes on)
        warned = [r for r in caplog.records if r.getMessage() == "bounces.mailbox_failed"]
        assert warned and "a refusé l'identifiant" in warned[0].error  # type: ignore[attr-defined]

        services.settings.subscribers.bounces.password = PASSWORD
        jobs.run("subscribers.bounces")
        with services.db.session() as s:
            assert SubscriberRepository(s).is_suppressed("ancien.salarie@asso-exemple.fr")
        assert len(server.uids("INBOX")) == 1  # the reply stays for a person
    finally:
        jobs.attach(None)  # type: ignore[arg-type]
        services.close()


def test_relais_bounces_fetch(server: Dovecot, tmp_path: Path, database_url: str, clock: FrozenClock) -> None:
    cfg = config(tmp_path, database_url, server.port)
    services_for(cfg, clock).close()
    result = CliRunner().invoke(app, ["--config", str(cfg), "bounces", "fetch"])
    assert result.exit_code == 0, result.output
    assert "ancien.salarie@asso-exemple.fr" in result.output
    assert "2 message(s) lu(s)" in result.output and "1 rejet(s) définitif(s)" in result.output
    assert "laissé pour une personne : UID 2 « Re: RESA'CLIC n°3 »" in result.output

    again = CliRunner().invoke(app, ["--config", str(cfg), "bounces", "fetch", "--format", "json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)[0]["messages"] == 0

    wrong = CliRunner().invoke(app, ["--config", str(config(tmp_path, database_url, server.port, "faux")),
                                     "bounces", "fetch"])  # fmt: skip
    assert wrong.exit_code != 0 and "a refusé l'identifiant" in str(wrong.exception)


def test_the_password_comes_from_the_environment(tmp_path: Path, database_url: str) -> None:
    cfg = config(tmp_path, database_url, 993, password="")
    settings = load_settings(cfg, environ={"RELAIS_BOUNCES_PASSWORD": "secret-de-l-environnement"})
    assert settings.subscribers.bounces.password == "secret-de-l-environnement"
    assert load_settings(cfg, environ={}).subscribers.bounces.password == ""


def test_with_several_networks_a_mailto_unsubscribe_reaches_the_network_that_signed_it(
    tmp_path: Path, database_url: str, clock: FrozenClock
) -> None:
    cfg = config(tmp_path, database_url, 1)
    cfg.write_text(cfg.read_text(encoding="utf-8") + NETWORKS, encoding="utf-8")
    services = build_services(load_settings(cfg, environ={}), clock=clock)
    try:
        first, second = services.networks()
        for net in (first, second):
            kit = build_subscribers(net)
            import_csv(net.db, clock, b"email\nlectrice@exemple.fr\n", kit.choices, confirmed=True, basis="t")
        kit = build_subscribers(second)
        with second.db.session() as s:
            sub = SubscriberRepository(s, second.network_id).by_email("lectrice@exemple.fr")
        assert sub is not None and sub.id is not None
        subject = unquote(kit.links.unsubscribe_mailto(sub.id).split("subject=", 1)[1])
        with dovecot() as server:
            server.append(f"From: lectrice@exemple.fr\r\nTo: desinscription@exemple.fr\r\nSubject: {subject}\r\n"
                          "Message-ID: <x@exemple.fr>\r\n\r\n\r\n".encode())  # fmt: skip
            services.settings.subscribers.bounces.imap_port = server.port
            report = read_bounce_mailbox(services)
        assert (report.unsubscribed, report.refused) == (1, 0)
        for net, left in ((first, False), (second, True)):
            with net.db.session() as s:
                found = SubscriberRepository(s, net.network_id).by_email("lectrice@exemple.fr")
            assert found is not None and (found.status is SubscriberStatus.UNSUBSCRIBED) is left
    finally:
        services.close()


NETWORKS = """
[[networks]]
slug = "resacoop"
base_url = "https://resacoop.relais.example"

[[networks]]
slug = "centraider"
base_url = "https://centraider.relais.example"
"""
