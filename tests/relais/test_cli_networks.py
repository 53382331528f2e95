"""The command line with several networks: ``--reseau`` chooses the network a command acts for (the first by
default), accounts join a second network only by the operator's hand, and ``relais figures --national`` adds the
networks up."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from core.messages import describe
from relais.cli import app
from storage.database import Database
from storage.networks import Declared, NetworkRepository
from storage.users import UserRepository
from tests.relais.test_cli_users import config
from tests.storage.test_networks import T0

Runner = Callable[..., Result]
NETWORKS = """
[[networks]]
slug = "resacoop"
name = "RESACOOP"
base_url = "https://resacoop.relais.example"

[[networks]]
slug = "centraider"
name = "Centraider"
base_url = "https://centraider.relais.example"
"""


@pytest.fixture
def relais(tmp_path: Path, database_url: str) -> Runner:
    cfg = config(tmp_path, database_url, NETWORKS)

    def run(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(app, ["--config", str(cfg), *args], input=stdin)

    assert run("db", "upgrade").exit_code == 0
    return run


def accounts(database_url: str, slug: str) -> dict[str, str]:
    db = Database(database_url)
    try:
        with db.session() as s:
            network = NetworkRepository(s).sync([Declared(slug, slug)], T0)[slug]
        with db.for_network(network).session() as s:
            return {u.email: str(u.role) for u in UserRepository(s).find()}
    finally:
        db.dispose()


@pytest.mark.usefixtures("in_process_cli")
def test_reseau_chooses_the_network_and_join_is_the_operators(relais: Runner, database_url: str) -> None:
    run = relais
    strong = "un mot de passe solide\n"
    assert run("users", "add", "a@resacoop.example", "--password-stdin", stdin=strong).exit_code == 0
    added = run(
        "--reseau", "centraider", "users", "add", "c@centraider.example", "--role", "admin", "--password-stdin",
        stdin=strong,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert accounts(database_url, "resacoop") == {"a@resacoop.example": "editor"}
    assert accounts(database_url, "centraider") == {"c@centraider.example": "admin"}

    again = run("--reseau", "centraider", "users", "add", "a@resacoop.example", "--password-stdin", stdin=strong)
    assert again.exit_code != 0 and "dans un autre réseau" in str(again.exception)
    joined = run("--reseau", "centraider", "users", "join", "a@resacoop.example", "--role", "staff")
    assert joined.exit_code == 0, joined.output
    assert accounts(database_url, "centraider") == {"c@centraider.example": "admin", "a@resacoop.example": "staff"}
    assert accounts(database_url, "resacoop") == {"a@resacoop.example": "editor"}  # unchanged there

    unknown = run("--reseau", "ailleurs", "users", "list")
    assert unknown.exit_code != 0 and "ailleurs" in str(unknown.exception)


@pytest.mark.usefixtures("in_process_cli")
def test_figures_of_one_network_and_of_all(relais: Runner) -> None:
    run = relais
    one = run("--reseau", "centraider", "figures", "--year", "2026", "--format", "json")
    assert one.exit_code == 0, one.output
    national = run("figures", "--year", "2026", "--national")
    assert national.exit_code == 0, national.output
    assert "tous les réseaux" in national.output
    assert "Centraider" in run("--reseau", "centraider", "figures", "--year", "2026").output
    assert json.loads(one.output)["period"]["label"]


@pytest.mark.usefixtures("in_process_cli")
def test_one_networks_backup_and_restore(relais: Runner, database_url: str, tmp_path: Path) -> None:
    run = relais
    strong = "un mot de passe solide\n"
    for network, email in (("resacoop", "a@resacoop.example"), ("centraider", "c@centraider.example")):
        assert run("--reseau", network, "users", "add", email, "--password-stdin", stdin=strong).exit_code == 0
    archive = tmp_path / "centraider.tar.gz"
    written = run("--reseau", "centraider", "backup", str(archive))
    assert written.exit_code == 0, written.output
    assert "sauvegarde du réseau centraider écrite" in written.output
    for network, email in (("resacoop", "b@resacoop.example"), ("centraider", "d@centraider.example")):
        assert run("--reseau", network, "users", "add", email, "--password-stdin", stdin=strong).exit_code == 0

    refused = run("--reseau", "centraider", "restore", str(archive))
    assert refused.exception is not None and "ajoutez --remplacer" in describe(refused.exception)
    other = run("--reseau", "resacoop", "restore", str(archive), "--remplacer")
    assert other.exception is not None and "avec --reseau centraider" in describe(other.exception)
    assert set(accounts(database_url, "centraider")) == {"c@centraider.example", "d@centraider.example"}

    restored = run("--reseau", "centraider", "restore", str(archive), "--remplacer")
    assert restored.exit_code == 0, restored.output
    assert "réseau centraider restauré" in restored.output
    assert set(accounts(database_url, "centraider")) == {"c@centraider.example"}  # as it was
    assert set(accounts(database_url, "resacoop")) == {"a@resacoop.example", "b@resacoop.example"}  # untouched
