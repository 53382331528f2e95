"""A source's last error in French for the pages: the watch stores its errors as it raises them (English for
scripts and logs, httpx's exception names for network failures); the admin shows what happened in French.
Pure; an unknown message keeps its detail behind a French lead-in."""

from __future__ import annotations

import re
from collections.abc import Callable

from admin.labels import N_

# httpx's exception names (and the OS's most common socket errors) as a person would say them.
NETWORK = {
    "ConnectError": N_("connexion impossible"),
    "ConnectTimeout": N_("le serveur ne répond pas (délai de connexion dépassé)"),
    "ReadTimeout": N_("le serveur a cessé de répondre (délai de lecture dépassé)"),
    "WriteTimeout": N_("délai d'envoi dépassé"),
    "PoolTimeout": N_("trop de requêtes en attente"),
    "TimeoutException": N_("délai dépassé"),
    "RemoteProtocolError": N_("le serveur a coupé la connexion ou répondu de façon invalide"),
    "LocalProtocolError": N_("requête invalide"),
    "ProxyError": N_("erreur du proxy"),
    "UnsupportedProtocol": N_("protocole non pris en charge"),
    "ReadError": N_("lecture interrompue"),
    "WriteError": N_("envoi interrompu"),
    "DecodingError": N_("réponse impossible à décompresser"),
    "TooManyRedirects": N_("trop de redirections"),
    "SSLError": N_("certificat ou connexion sécurisée invalide"),
}
OS = [
    (re.compile(r"Connection refused", re.I), N_("connexion refusée")),
    (re.compile(r"Name or service not known|nodename nor servname|getaddrinfo failed|No address", re.I),
     N_("nom de domaine introuvable")),
    (re.compile(r"Network is unreachable", re.I), N_("réseau inaccessible")),
    (re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate", re.I), N_("certificat invalide")),
    (re.compile(r"timed out", re.I), N_("délai dépassé")),
    (re.compile(r"Connection reset", re.I), N_("connexion interrompue par le serveur")),
]  # fmt: skip
HTTP = {
    400: N_("requête refusée"),
    401: N_("accès protégé par un mot de passe"),
    403: N_("accès interdit"),
    404: N_("page introuvable"),
    405: N_("méthode refusée"),
    406: N_("format refusé"),
    408: N_("délai dépassé côté serveur"),
    410: N_("page supprimée"),
    429: N_("trop de requêtes : le site demande d'attendre"),
    451: N_("page indisponible pour raisons légales"),
    500: N_("erreur du serveur"),
    502: N_("passerelle en erreur"),
    503: N_("service indisponible"),
    504: N_("passerelle sans réponse"),
}
RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"no complete answer within ([\d.]+) s"), N_("pas de réponse complète en {0} s")),
    (re.compile(r"timed out after ([\d.]+) s"), N_("délai dépassé après {0} s")),
    (re.compile(r"more than (\d+) redirects"), N_("plus de {0} redirections (une boucle ?)")),
    (re.compile(r"body of ([\d,]+) bytes is over the ([\d,]+)-byte limit"),
     N_("réponse de {0} octets, au-delà de la limite de {1} octets")),
    (re.compile(r"body over the ([\d,]+)-byte limit"), N_("réponse au-delà de la limite de {0} octets")),
    (re.compile(r"file of ([\d,]+) bytes is over the ([\d,]+)-byte limit"),
     N_("fichier de {0} octets, au-delà de la limite de {1} octets")),
    (re.compile(r"cannot read (.*?): (.*)"), N_("lecture impossible de {0}")),
    (re.compile(r"cannot store items"), N_("enregistrement des éléments impossible")),
    (re.compile(r"not a readable feed"), N_("flux illisible")),
    (re.compile(r"not a feed"), N_("ce n'est pas un flux (ni RSS, ni Atom, ni JSON Feed)")),
    (re.compile(r"JSON that is not a JSON Feed"),
     N_("JSON qui n'est pas un JSON Feed : choisissez le format « API JSON »")),
    (re.compile(r"JSON Feed without an 'items' list"), N_("JSON Feed sans liste d'éléments")),
    (re.compile(r"not valid JSON"), N_("JSON invalide")),
    (re.compile(r"no list at items path (.*)"), N_("aucune liste au chemin {0}")),
    (re.compile(r"items path (.*) is not a list"), N_("le chemin {0} ne mène pas à une liste")),
    (re.compile(r"not a readable iCalendar file"), N_("agenda iCalendar illisible")),
    (re.compile(r"cannot parse (\w+) body"), N_("contenu illisible")),
]  # fmt: skip
HTTP_STATUS = re.compile(r"^HTTP (\d{3})\b")
FRENCH = re.compile(r"[àâçéèêëîïôûùœ]|\b(?:le|la|les|des|une?|du|pas)\b", re.I)
EXCEPTION = re.compile(r"^(\w+(?:Error|Timeout|Exception|Redirects|Protocol))\b:?\s*(.*)$", re.S)


def in_french(message: str | None, gettext: Callable[[str], str] = str) -> str:
    """``message`` (a stored ``last_error``) in French; already French messages (the outbound policy's) pass."""
    if not message:
        return ""
    if FRENCH.search(message):
        return message  # French already (the outbound policy's refusals, the preview's own messages)
    if m := HTTP_STATUS.match(message):
        code = int(m.group(1))
        return f"HTTP {code} : {gettext(HTTP.get(code, N_('réponse en erreur')))}"
    if m := EXCEPTION.match(message):
        name, rest = m.groups()
        for pattern, french in OS:
            if pattern.search(rest):
                return str(gettext(french))
        return str(gettext(NETWORK.get(name, N_("erreur réseau"))))
    for pattern, french in RULES:
        if m := pattern.search(message):
            return str(gettext(french)).format(*m.groups())
    return f"{gettext(N_('erreur'))} : {message}"
