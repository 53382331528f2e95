"""Domain errors in French for the staff's pages: the digest and delivery speak English to scripts and logs,
the admin speaks French to people. Pure; unknown messages keep their detail behind a French lead-in."""

from __future__ import annotations

import re

from admin.labels import label
from core.errors import InvalidInput
from core.model import IssueStatus

STATUSES = frozenset(str(s) for s in IssueStatus)


class FormError(InvalidInput):
    """Bad input the web layer found itself: its message is already French."""


_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"no approved item.* is still open"), "Aucun élément approuvé depuis le numéro précédent n'est "
     "encore ouvert : rien à mettre dans une lettre. Approuvez des éléments d'abord."),
    (re.compile(r"choose either a theme or a list of items"),
     "Choisissez un thème ou une liste d'éléments, pas les deux."),
    (re.compile(r"an emailing needs a theme"), "Un emailing a besoin d'un thème, d'éléments choisis ou d'un texte."),
    (re.compile(r"unknown theme '([^']*)'"), "Thème inconnu : « {0} »."),
    (re.compile(r"no approved, open item is tagged '([^']*)'"), "Aucun élément approuvé et encore ouvert ne porte le "
     "thème « {0} » : rien à envoyer."),
    (re.compile(r"without a theme needs --subject"), "Un emailing sans thème a besoin d'un objet."),
    (re.compile(r"the subject cannot be empty"), "L'objet ne peut pas être vide."),
    (re.compile(r"the subject must be a single line"), "L'objet doit tenir sur une seule ligne."),
    (re.compile(r"the subject is (\d+) characters long; keep it under (\d+)"),
     "L'objet fait {0} caractères : {1} au plus."),
    (re.compile(r"the editorial is (\d+) characters long; keep it under (\d+)"),
     "L'éditorial fait {0} caractères : {1} au plus."),
    (re.compile(r"is (\w+): only a draft can be"), "Ce numéro n'est plus un brouillon (statut : {0}) : il ne peut plus "
     "être modifié."),
    (re.compile(r"no subscriber would receive anything"), "Aucun abonné ne recevrait ce numéro : rien à envoyer."),
    (re.compile(r"segment (\w+): (\d+) problem\(s\): (.*)"), "Le segment {0} ne passe pas le contrôle de "
     "compatibilité ({1} problème(s)) : {2}"),
    (re.compile(r"closed or no longer approved since the draft"), "Des éléments du numéro sont clos ou ne sont plus "
     "approuvés depuis la création du brouillon : retirez-les avant l'envoi."),
    (re.compile(r"item (\d+) is not in this issue"), "L'élément {0} n'est pas dans ce numéro."),
    (re.compile(r"item (\d+) is already in this issue"), "L'élément {0} est déjà dans ce numéro."),
    (re.compile(r"position -?\d+ is outside section"), "Impossible de déplacer l'élément plus loin dans sa rubrique."),
    (re.compile(r"is (\w+): it cannot become (\w+)"), "Action impossible : le numéro est « {0} »."),
    (re.compile(r"is (\w+): nothing to send"), "Rien à envoyer : le numéro est « {0} »."),
    (re.compile(r"has no segment '"), "Ce segment n'existe plus (le numéro ou les abonnés ont changé) : rechargez la "
     "page."),
    (re.compile(r"has no rendered segment"), "Ce numéro n'a aucun segment à envoyer (aucun abonné concerné)."),
    (re.compile(r"unknown item\(s\): (.*)"), "Élément(s) inconnu(s) : {0}."),
    (re.compile(r"item\(s\) not approved or past their deadline: (.*)"),
     "Élément(s) non approuvé(s) ou dont la date limite est passée : {0}."),
    (re.compile(r"the same item is listed twice"), "Le même élément est cité deux fois."),
    (re.compile(r"time zone"), "La date d'envoi doit préciser son fuseau horaire."),
]  # fmt: skip


def known(message: str) -> str | None:
    """The French of a known digest or delivery message, or None (the CLI shows an unknown one as it is)."""
    for pattern, french in _RULES:
        if m := pattern.search(message):
            return french.format(*(label(g, "issue") if g in STATUSES else g for g in m.groups()))
    return None


def in_french(message: str | Exception) -> str:
    if isinstance(message, FormError):
        return str(message)
    message = str(message)
    return known(message) or f"Action refusée : {message}"
