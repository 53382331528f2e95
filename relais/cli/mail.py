"""``relais mail``: the sender's side of email, checked."""

from __future__ import annotations

import typer

from delivery.dns_checks import LEVEL_FR, Level, blocking
from relais.cli.context import console, services
from relais.cli.output import emit
from relais.sender_dns import check_sender_dns

app = typer.Typer(help="Le courrier sortant : l'expéditeur et son DNS.", no_args_is_help=True)


@app.command("check")
def check(ctx: typer.Context, fmt: str = typer.Option("table", "--format", help="table | json")) -> None:
    """Vérifier dans le DNS le SPF, la clé DKIM et le DMARC de l'expéditeur ([network] from_address), avec ce qu'il
    faut corriger ; code de sortie 1 s'il y a quelque chose à corriger avant d'envoyer."""
    svc = services(ctx, require_schema=False)
    findings = check_sender_dns(svc.settings)
    order = {Level.ERROR: 0, Level.WARNING: 1, Level.INFO: 2}
    findings.sort(key=lambda f: order[f.level])
    emit(fmt, findings, title=f"DNS de {svc.settings.network.from_address}", columns=["niveau", "contrôle", "constat"],
         row=lambda f: [LEVEL_FR[f.level], f.code, f.message])  # fmt: skip
    errors = blocking(findings)
    if fmt != "json":
        console.print(f"{len(errors)} point(s) à corriger avant d'envoyer" if errors else "rien à corriger")
    if errors:
        raise typer.Exit(1)
