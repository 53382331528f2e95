"""``relais users``: accounts of editors, staff and admins."""

from __future__ import annotations

import sys

import typer

from admin.accounts import add_user, generate_password, set_password
from admin.labels import label
from core.errors import InvalidInput
from core.model import Role
from relais.cli.context import console, services
from relais.cli.output import emit
from storage.users import UserRepository

app = typer.Typer(help="Comptes : rédaction, équipe, administration.", no_args_is_help=True)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(f"--role : une valeur parmi {', '.join(Role)}, pas « {value} »") from None


def _password(from_stdin: bool) -> tuple[str, bool]:
    """(password, generated?)"""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\n")
        if not line:
            raise InvalidInput("--password-stdin : aucun mot de passe sur l'entrée standard")
        return line, False
    return generate_password(), True


@app.command("add")
def add_cmd(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="L'adresse e-mail de la personne (son identifiant)."),
    role: str = typer.Option("editor", "--role", help="editor | staff | admin"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Lire le mot de passe sur l'entrée standard."),
    superadmin: bool = typer.Option(
        False, "--superadmin", help="Au-dessus des réseaux : administrateur dans chacun (plusieurs réseaux)."
    ),
) -> None:
    """Créer un compte ; sans --password-stdin, un mot de passe est généré et affiché une seule fois."""
    r = _role(role)
    password, generated = _password(password_stdin)
    svc = services(ctx)
    user = add_user(svc.db, email, r, password, now=svc.clock.now())
    if superadmin:
        with svc.db.session() as s:
            UserRepository(s).set_superadmin(user.email, True)
    console.print(f"compte créé : {user.email} ({label(user.role, 'role')}" + (", super-admin)" if superadmin else ")"))
    if generated:
        console.print(f"mot de passe : {password}  (affiché une seule fois ; à changer avec « relais users passwd »)")


@app.command("join")
def join_cmd(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="L'adresse d'un compte existant (d'un autre réseau)."),
    role: str = typer.Option("editor", "--role", help="editor | staff | admin"),
) -> None:
    """Donner à un compte existant un rôle dans le réseau choisi par --reseau (son mot de passe ne change pas)."""
    r = _role(role)
    with services(ctx).db.session() as s:
        user = UserRepository(s).join(email, r)
    console.print(f"{user.email} : {label(user.role, 'role')} dans ce réseau")


@app.command("passwd")
def passwd_cmd(
    ctx: typer.Context,
    email: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
) -> None:
    """Donner un nouveau mot de passe (généré sauf --password-stdin) ; toutes les sessions du compte prennent fin."""
    password, generated = _password(password_stdin)
    set_password(services(ctx).db, email, password)
    console.print(f"mot de passe changé pour {email}" + (f" : {password}" if generated else ""))
    console.print("toutes les sessions de ce compte ont pris fin")


@app.command("list")
def list_cmd(ctx: typer.Context, fmt: str = typer.Option("table", "--format", help="table | json")) -> None:
    """Lister les comptes (jamais leurs empreintes de mot de passe)."""
    with services(ctx).db.session() as s:
        users = UserRepository(s).find()
    rows = [
        {"id": u.id, "email": u.email, "role": u.role, "active": u.active, "created_at": u.created_at,
         "last_login_at": u.last_login_at}
        for u in users
    ]  # fmt: skip
    emit(fmt, rows, title="comptes", columns=["n°", "adresse", "rôle", "actif", "dernière connexion"],
         row=lambda u: [u["id"], u["email"], label(u["role"], "role"), "oui" if u["active"] else "non",
                        u["last_login_at"].strftime("%d/%m/%Y %H:%M") if u["last_login_at"] else ""])  # fmt: skip
