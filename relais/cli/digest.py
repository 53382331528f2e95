"""``relais digest``: build, inspect, edit and preview newsletters and thematic emailings."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from admin.labels import label
from core.errors import InvalidInput
from core.message import RenderedSegment
from relais.cli.context import console, services
from relais.cli.digest_report import report
from relais.cli.output import emit, print_json, say
from relais.wiring import digest_service

app = typer.Typer(help="Lettres et emailings thématiques : préparer, segments, aperçu.", no_args_is_help=True)
app.command("report")(report)  # relais/cli/digest_report.py

KINDS = ("newsletter", "emailing")


def _ids(text: str | None) -> list[int]:
    if not text:
        return []
    try:
        return [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise InvalidInput(
            f"--items : des numéros d'éléments séparés par des virgules (ex. 1,2,3), pas « {text} »"
        ) from None


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise InvalidInput(f"--format : « table » ou « json », pas « {fmt} »")


@app.command("build")
def build(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help="newsletter | emailing"),
    theme: str | None = typer.Option(
        None, "--theme", help="Emailing : les éléments qui portent ce thème (son identifiant)."
    ),
    items: str | None = typer.Option(None, "--items", help="Emailing : des éléments choisis, ex. 1,2,3."),
    text: str = typer.Option("", "--text", help="Éditorial (lettre) ou texte libre (emailing)."),
    subject: str | None = typer.Option(None, "--subject", help="Objet (un objet par défaut si possible)."),
    fmt: str = typer.Option("table", "--format", help="table (affiche l'identifiant) | json (le numéro)"),
) -> None:
    """Créer un brouillon et afficher son identifiant (ou le numéro en JSON)."""
    _check_format(fmt)
    if kind not in KINDS:
        raise InvalidInput(f"type : « newsletter » ou « emailing », pas « {kind} »")
    svc = digest_service(services(ctx))
    if kind == "newsletter":
        if theme or items:
            raise InvalidInput("--theme et --items sont pour les emailings")
        issue = svc.build_newsletter(editorial=text, subject=subject)
    else:
        issue = svc.build_emailing(theme=theme, item_ids=_ids(items), text=text, subject=subject)
    if fmt == "json":
        print_json(issue)
    else:
        print(issue.id)


@app.command("list")
def list_cmd(ctx: typer.Context, fmt: str = typer.Option("table", "--format", help="table | json")) -> None:
    """Lister les numéros, du plus récent au plus ancien."""
    issues = digest_service(services(ctx)).all()
    emit(
        fmt,
        issues,
        title="numéros",
        columns=["n°", "type", "numéro", "statut", "éléments", "créé le", "objet"],
        row=lambda i: [
            i.id,
            label(i.kind, "issue_kind"),
            i.number,
            label(i.status, "issue"),
            len(i.entries),
            i.created_at.strftime("%d/%m/%Y %H:%M") if i.created_at else "",
            i.subject[:70],
        ],
    )


@app.command("show")
def show(ctx: typer.Context, issue_id: int, fmt: str = typer.Option("table", "--format")) -> None:
    """Afficher un numéro : ses rubriques et ses éléments, dans l'ordre."""
    _check_format(fmt)
    svc = digest_service(services(ctx))
    issue = svc.get(issue_id)
    if fmt == "json":
        print_json(issue)
        return
    items = svc.items_of(issue)
    console.print(f"[bold]n°{issue.id}[/bold] {label(issue.kind, 'issue_kind')} {label(issue.status, 'issue')} — "
                  f"{say(issue.subject)}", highlight=False)  # fmt: skip
    if issue.editorial:
        console.print(say(issue.editorial), highlight=False)
    emit(
        "table",
        issue.entries,
        title="contenu",
        columns=["position", "rubrique", "élément", "type", "date limite", "titre"],
        row=lambda e: [e.position, e.section, e.item_id, label(items[e.item_id].kind, "item_kind"),
                       items[e.item_id].deadline, items[e.item_id].title[:60]],
    )  # fmt: skip


@app.command("segments")
def segments_cmd(ctx: typer.Context, issue_id: int, fmt: str = typer.Option("table", "--format")) -> None:
    """Les segments du numéro : les abonnés qui reçoivent le même contenu, avec les tailles rendues."""
    _check_format(fmt)
    rendered = digest_service(services(ctx)).render_segments(issue_id)
    rows = [
        {
            "key": seg.key,
            "subscribers": len(seg.subscriber_ids),
            "items": len(seg.item_ids),
            "html_bytes": len(r.html.encode()),
            "text_bytes": len(r.text.encode()),
        }
        for seg, r in rendered
    ]
    if not rows and fmt == "table":
        console.print(f"numéro {issue_id} : aucun abonné ne recevrait rien (rien ne partirait)")
        return
    columns = ["segment", "abonnés", "éléments", "octets HTML", "octets texte"]
    emit(fmt, rows, title=f"segments du numéro {issue_id}", columns=columns, row=lambda r: list(r.values()))


edit = typer.Typer(help="Modifier un brouillon avant l'envoi.", no_args_is_help=True)
app.add_typer(edit, name="edit")


@edit.command("remove")
def edit_remove(ctx: typer.Context, issue_id: int, item_id: int) -> None:
    """Retirer un élément d'un brouillon."""
    digest_service(services(ctx)).remove_item(issue_id, item_id)


@edit.command("add")
def edit_add(ctx: typer.Context, issue_id: int, item_id: int, section: str | None = typer.Option(None)) -> None:
    """Ajouter un élément approuvé à un brouillon (dans sa rubrique, sauf --section)."""
    digest_service(services(ctx)).add_item(issue_id, item_id, section=section)


@edit.command("move")
def edit_move(
    ctx: typer.Context, issue_id: int, item_id: int, to: int = typer.Option(..., "--to", help="position, 0 au début"),
    section: str | None = typer.Option(None),
) -> None:  # fmt: skip
    """Déplacer un élément dans sa rubrique (ou vers une autre avec --section)."""
    digest_service(services(ctx)).move_item(issue_id, item_id, to_index=to, section=section)


@edit.command("editorial")
def edit_editorial(ctx: typer.Context, issue_id: int, text: str) -> None:
    """Remplacer l'éditorial."""
    digest_service(services(ctx)).set_editorial(issue_id, text)


@edit.command("subject")
def edit_subject(ctx: typer.Context, issue_id: int, subject: str) -> None:
    """Remplacer l'objet."""
    digest_service(services(ctx)).set_subject(issue_id, subject)


@app.command("approve")
def approve(
    ctx: typer.Context,
    issue_id: int,
    at: str | None = typer.Option(None, "--at", help="Quand envoyer, ISO 8601 avec fuseau (par défaut : maintenant)."),
) -> None:
    """Approuver un brouillon pour l'envoi : chaque segment doit se rendre et passer les contrôles de compatibilité."""
    when = None
    if at:
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            raise InvalidInput(
                f"--at : une date et une heure ISO 8601, ex. 2026-12-01T09:00+01:00, pas « {at} »"
            ) from None
    issue = digest_service(services(ctx)).approve(issue_id, at=when)
    console.print(f"numéro {issue.id} programmé pour le {issue.scheduled_at:%d/%m/%Y à %H:%M %Z}", highlight=False)


@app.command("unapprove")
def unapprove(ctx: typer.Context, issue_id: int) -> None:
    """Remettre un numéro programmé en brouillon (avant le début de l'envoi)."""
    digest_service(services(ctx)).back_to_draft(issue_id)


def _check_out(out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix not in (".html", ".txt", ".eml"):
        raise InvalidInput(f"--out : un fichier .eml, .html ou .txt, pas « {out.name} »")


def _write(out: Path, seg: RenderedSegment) -> None:
    try:
        out.write_text(seg.html if out.suffix.lower() == ".html" else seg.text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"impossible d'écrire {out} : {exc.strerror}") from None


@app.command("render")
def render(
    ctx: typer.Context,
    issue_id: int,
    subscriber: str | None = typer.Option(None, "--subscriber", help="Ce que cet abonné recevrait."),
    segment: str | None = typer.Option(None, "--segment", help="La clé d'un segment (voir « digest segments »)."),
    out_file: str = typer.Option(
        ...,
        "--out",
        help="FICHIER.eml (le message complet), FICHIER.html (la partie HTML) ou FICHIER.txt (la partie texte).",
    ),
) -> None:
    """Écrire le HTML ou le texte exact qu'un abonné (ou un segment) recevrait, avec les marques de personnalisation."""
    out = Path(out_file)
    if (subscriber is None) == (segment is None):
        raise InvalidInput("donnez soit --subscriber ADRESSE, soit --segment CLÉ")
    _check_out(out)
    if out.suffix.lower() == ".eml":
        from relais.preview import eml

        data = eml(services(ctx), issue_id, subscriber=subscriber, segment=segment)
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise InvalidInput(f"impossible d'écrire {out} : {exc.strerror}") from None
        console.print(f"{out} : {len(data)} octets (message MIME complet)", highlight=False)
        return
    svc = digest_service(services(ctx))
    seg = svc.render_for(issue_id, subscriber) if subscriber else svc.render_segment(issue_id, segment or "")
    _write(out, seg)
    console.print(f"{out} : segment {seg.key}, {len(seg.item_ids)} éléments", highlight=False)
