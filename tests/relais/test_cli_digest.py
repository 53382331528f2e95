"""``relais digest`` as an editor and a script use it: build, list, show, edit, segments, render."""

from __future__ import annotations

import email
import email.policy
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from core.model import Item, ItemKind, ItemStatus, Preferences, Subscriber, SubscriberStatus
from relais.cli import main
from relais.wiring import digest_service
from storage.database import Database
from storage.items import ItemRepository
from storage.migrate import upgrade
from storage.subscribers import SubscriberRepository


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def relais(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Run ``relais --config CFG digest ARGS`` in this process (a subprocess per call would cost ~1.5 s) through
    the same entry point as the installed command, so errors are mapped exactly as users see them."""

    def run(cfg: Path, *args: str) -> Run:
        monkeypatch.setattr(sys, "argv", ["relais", "--config", str(cfg), "digest", *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return Run(code, out.out, out.err)

    return run


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    """A config with a theme and a migrated database holding approved items and two subscribers."""
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "{url}"\n[network]\nbase_url = "https://relais.example"\n'
        '[[taxonomy.themes]]\nslug = "ecsi"\nlabel = "ECSI"\n',
        encoding="utf-8",
    )
    db = Database(url)
    upgrade(db)
    at = datetime(2026, 10, 1, tzinfo=UTC)
    with db.session() as s:
        items = ItemRepository(s)
        for n, kind in enumerate([ItemKind.CALL, ItemKind.JOB, ItemKind.NEWS], start=1):
            items.add(Item(kind, f"Item {n}", url=f"https://exemple.org/{n}", status=ItemStatus.APPROVED,
                           approved_at=at, collected_at=at, tags=["ecsi"] if n == 1 else [],
                           deadline=date(2099, 1, 1)))  # fmt: skip
        subs = SubscriberRepository(s)
        subs.save(Subscriber("tout@exemple.fr", SubscriberStatus.CONFIRMED))
        subs.save(Subscriber("emploi@exemple.fr", SubscriberStatus.CONFIRMED, preferences=Preferences([ItemKind.JOB])))
    db.dispose()
    return path


def test_build_list_show_segments_and_render(relais: Callable[..., Run], cfg: Path, tmp_path: Path) -> None:
    built = relais(cfg, "build", "newsletter", "--text", "Bonne lecture")
    assert built.returncode == 0, built.stderr
    issue = built.stdout.strip()
    assert issue == "1"

    listed = json.loads(relais(cfg, "list", "--format", "json").stdout)
    assert [(i["id"], i["kind"], i["number"], len(i["entries"])) for i in listed] == [(1, "newsletter", 1, 3)]
    assert "Item 2" in relais(cfg, "show", issue).stdout

    segs = json.loads(relais(cfg, "segments", issue, "--format", "json").stdout)
    assert sorted(s["items"] for s in segs) == [1, 3] and all(s["html_bytes"] > 0 for s in segs)

    html, text = tmp_path / "emploi.html", tmp_path / "emploi.txt"
    assert relais(cfg, "render", issue, "--subscriber", "emploi@exemple.fr", "--out", str(html)).returncode == 0
    assert relais(cfg, "render", issue, "--segment", segs[0]["key"], "--out", str(text)).returncode == 0
    assert "Item 2" in html.read_text() and "Item 1" not in html.read_text()
    assert text.read_text().startswith("La lettre n°1") and "Voir ce message dans le navigateur" in text.read_text()

    eml = tmp_path / "emploi.eml"
    assert relais(cfg, "render", issue, "--subscriber", "emploi@exemple.fr", "--out", str(eml)).returncode == 0
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["To"] == "emploi@exemple.fr" and msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["List-Unsubscribe"].startswith("<https://relais.example/unsubscribe/")
    assert msg["Message-ID"].startswith("<relais.1.2.")
    body = msg.get_body(("html",))
    assert body is not None and "Item 2" in body.get_content() and "RELAISx" not in eml.read_text()


def test_emailings_and_edits(relais: Callable[..., Run], cfg: Path) -> None:
    themed = json.loads(relais(cfg, "build", "emailing", "--theme", "ecsi", "--format", "json").stdout)
    assert themed["audience"] == {"themes": ["ecsi"]} and [e["item_id"] for e in themed["entries"]] == [1]
    picked = relais(cfg, "build", "emailing", "--items", "3,2", "--subject", "Deux infos").stdout.strip()
    assert relais(cfg, "edit", "move", picked, "2", "--to", "0").returncode == 0
    assert relais(cfg, "edit", "editorial", picked, "Nouveau texte").returncode == 0
    shown = json.loads(relais(cfg, "show", picked, "--format", "json").stdout)
    assert [e["item_id"] for e in shown["entries"]] == [2, 3] and shown["editorial"] == "Nouveau texte"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "emailing", "--theme", "inconnu"], "Thème inconnu : « inconnu »"),
        (["build", "emailing", "--items", "1,x"], "--items : des numéros d'éléments"),
        (["build", "gazette"], "« newsletter » ou « emailing », pas « gazette »"),
        (["render", "1", "--subscriber", "a@b.fr", "--out", "x.pdf"], "--out : un fichier .eml, .html ou .txt"),
        (["render", "1", "--out", "x.html"], "soit --subscriber ADRESSE, soit --segment"),
        (["render", "1", "--segment", "k", "--out", "x.pdf"], "un fichier .eml, .html ou .txt"),
        (["show", "42"], "numéro « 42 » introuvable"),
    ],
)
def test_bad_input_is_one_clear_line(relais: Callable[..., Run], cfg: Path, args: list[str], message: str) -> None:
    out = relais(cfg, *args)
    # In-process, log lines of earlier steps (migrations) may share stderr: the error itself is one line.
    errors = [line for line in out.stderr.splitlines() if line.startswith("erreur :")]
    assert out.returncode == 2 and len(errors) == 1 and message in errors[0] and "Traceback" not in out.stderr


def test_relais_up_builds_the_newsletter_draft_once(cfg: Path) -> None:
    from relais.cli.run import STEPS
    from relais.wiring import load

    step = dict(STEPS)["lettre"]
    svc = load(str(cfg))
    try:
        assert step(svc).startswith("brouillon de lettre n°1 (3 éléments)")
        assert step(svc).startswith("pas de brouillon de lettre : Aucun élément approuvé depuis le numéro précédent")
    finally:
        svc.close()


def test_the_scheduler_plans_and_runs_the_monthly_newsletter(cfg: Path) -> None:
    from relais import jobs
    from relais.wiring import load

    svc = load(str(cfg))
    try:
        planned = [spec for planner in jobs.PLANNERS for spec in planner(svc)]
        assert any(spec.action == "digest.newsletter" for spec in planned)
        jobs.attach(svc)
        jobs.run("digest.newsletter")
        jobs.run("digest.newsletter")  # nothing new: logged, not raised
        assert [i.number for i in digest_service(svc).all()] == [1]
    finally:
        jobs._services = None  # do not leave this test's services attached for the next test
        svc.close()
