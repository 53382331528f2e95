"""What an error says to a person, by its code: the French template of every code a raise site names.

The templates are catalogue message ids (French, marked with ``N_`` so ``make messages`` extracts them; Babel
translates them for another locale); :func:`describe` fills one with the error's parameters. An error whose
code has no template (its class's own code: ``invalid_input``, ``fetch``…) was written for people where it was
raised, and is shown as it is. Pure: the web layer passes its request's ``gettext``, the CLI and the watch's
health record pass nothing (the French itself).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from core.errors import RelaisError


def N_(message: str) -> str:
    """Marks a string for the catalogue; it is translated where it is shown."""
    return message


MESSAGES: Mapping[str, str] = {
    # Issues: building and editing (digest)
    "nothing_open": N_("Aucun élément approuvé depuis le numéro précédent n'est encore ouvert : rien à mettre dans "
                       "une lettre. Approuvez des éléments d'abord."),
    "theme_and_items": N_("Choisissez un thème ou une liste d'éléments, pas les deux."),
    "emailing_empty": N_("Un emailing a besoin d'un thème, d'éléments choisis ou d'un texte."),
    "unknown_theme": N_("Thème inconnu : « {theme} »."),
    "theme_empty": N_("Aucun élément approuvé et encore ouvert ne porte le thème « {theme} » : rien à envoyer."),
    "subject_required": N_("Un emailing sans thème a besoin d'un objet."),
    "subject_empty": N_("L'objet ne peut pas être vide."),
    "subject_multiline": N_("L'objet doit tenir sur une seule ligne."),
    "subject_too_long": N_("L'objet fait {length} caractères : {limit} au plus."),
    "editorial_too_long": N_("L'éditorial fait {length} caractères : {limit} au plus."),
    "unknown_section": N_("Rubrique inconnue : « {section} »."),
    "item_not_in_issue": N_("L'élément {item} n'est pas dans ce numéro."),
    "item_already_in_issue": N_("L'élément {item} est déjà dans ce numéro."),
    "position_outside_section": N_("Impossible de déplacer l'élément plus loin dans sa rubrique."),
    "item_twice": N_("Le même élément est cité deux fois."),
    "unknown_items": N_("Élément(s) inconnu(s) : {items}."),
    "items_not_current": N_("Élément(s) non approuvé(s) ou dont la date limite est passée : {items}."),
    "not_draft": N_("Ce numéro n'est plus un brouillon (statut : {status}) : il ne peut plus être modifié."),
    "stale_items": N_("Des éléments du numéro sont clos ou ne sont plus approuvés depuis la création du brouillon : "
                      "retirez-les avant l'envoi."),
    "no_audience": N_("Aucun abonné ne recevrait ce numéro : rien à envoyer."),
    "segment_problems": N_("Le segment {segment} ne passe pas le contrôle de compatibilité ({count} problème(s)) : "
                           "{problems}"),
    "time_zone_required": N_("La date d'envoi doit préciser son fuseau horaire."),
    "no_such_segment": N_("Ce segment n'existe plus (le numéro ou les abonnés ont changé) : rechargez la page."),
    "no_rendered_segment": N_("Ce numéro n'a aucun segment à envoyer (aucun abonné concerné)."),
    "not_in_audience": N_("{email} ne reçoit pas ce numéro (abonnement non confirmé, ou hors de son public)."),
    "nothing_for_subscriber": N_("Ce numéro n'a rien pour {email} : il ne lui est pas envoyé."),
    "unknown_template": N_("Gabarit d'email inconnu : « {name} »."),
    "invalid_mjml": N_("Le gabarit d'email a produit un MJML invalide : {detail}"),
    "unsaved_issue": N_("Enregistrez le numéro avant de le mettre en forme."),
    "nothing_to_render": N_("Rien à mettre dans ce numéro (ni élément, ni texte)."),
    # Issues: sending (delivery)
    "cannot_become": N_("Action impossible : le numéro est « {status} »."),
    "nothing_to_send": N_("Rien à envoyer : le numéro est « {status} »."),
    "system_mail_refused": N_("L'email « {kind} » n'est pas parti ({verdict}) : {reply}"),
    # Things not found
    "issue_not_found": N_("numéro « {issue} » introuvable"),
    "item_not_found": N_("élément « {item} » introuvable"),
    "source_not_found": N_("source « {source} » introuvable"),
    "subscriber_not_found": N_("abonné « {subscriber} » introuvable"),
    "user_not_found": N_("compte « {user} » introuvable"),
    "user_in_other_network": N_(
        "Un compte existe déjà pour {email} dans un autre réseau : un super-administrateur peut l'ajouter à celui-ci."
    ),
    "user_shared_password": N_(
        "Ce compte sert aussi dans un autre réseau : son mot de passe se change avec « relais users passwd »."
    ),
    "source_shared": N_(
        "La source « {source} » est partagée par tous les réseaux : seul l'exploitant la modifie, dans config.toml."
    ),
    "operator_only": N_("Réservé à l'exploitant du service, en ligne de commande (« relais users »)."),
    "unknown_network": N_("Réseau inconnu : « {network} » n'est le slug d'aucun réseau de la configuration."),
    "proposal_not_found": N_("proposition « {proposal} » introuvable"),
    "transition_refused": N_("Passage impossible de « {status} » à « {target} »."),
    # The configuration file (core/settings.py, core/config_loader.py)
    "config_not_found": N_("{path} : fichier de configuration introuvable"),
    "config_malformed": N_("{path} : TOML mal formé : {detail}"),
    "config_unreadable": N_("{path} : lecture impossible : {detail}"),
    "config_not_a_table": N_("{where} : {key} : une table est attendue"),
    "config_unknown_key": N_("{where} : clé inconnue « {key} » (connues ici : {known})"),
    "config_missing_key": N_("{where} : {key} : clé obligatoire absente"),
    "config_choice": N_("{where} : {key} : l'une de {allowed}, pas « {value} »"),
    "config_wrong_type": N_("{where} : {key} : {expected} attendu, pas {found}"),
    "config_invalid": N_("{where} : {key} : {reason}"),
    "send_window": N_("mail.send_window : « {value} » illisible : {detail}"),
    "option_choice": N_("{option} : l'une de {allowed}, pas « {value} »"),
    "dkim_algorithm": N_("mail.dkim.algorithm : rsa-sha256 ou ed25519-sha256, pas « {value} »"),
    "dkim_domain_selector": N_("mail.dkim : domain et selector sont obligatoires quand DKIM est activé"),
    "dkim_key_unreadable": N_("mail.dkim.key_file : lecture impossible de {path}"),
    "dkim_key_invalid": N_("mail.dkim.key_file : {path} n'est pas une clé privée utilisable"),
    "dkim_bad_key": N_("signature DKIM impossible (d={domain}) : clé illisible"),
    "dkim_no_from": N_("signature DKIM impossible (d={domain}) : le message n'a pas d'en-tête From"),
    # The database, its schema, backups (storage, relais/backup.py)
    "database_unreachable": N_("base de données {url} injoignable : {detail}"),
    "migration_failed": N_("la migration de {url} a échoué : {detail}"),
    "schema_too_new": N_("la base de données {url} est à la révision {revision}, plus récente que ce que connaît "
                         "cette version de Relais : mettez Relais à jour"),
    "schema_behind": N_("le schéma de la base de données n'est pas à jour : lancez « relais db upgrade »"),
    "segment_masks_full": N_("plus de {limit} valeurs distinctes pour « {family} » : les masques de segments sont "
                             "pleins"),
    "backup_empty_database": N_("la base de données est vide : rien à sauvegarder (lancez d'abord « relais db "
                                "upgrade »)"),
    "backup_truncated": N_("la sauvegarde de la table {table} est tronquée (pas de liste de colonnes)"),
    "backup_format": N_("format de sauvegarde inconnu : « {format} »"),
    "backup_revision": N_("la sauvegarde est à la révision {backup} du schéma, la base de données à {revision} : "
                          "migrez d'abord une base vide jusqu'à cette révision"),
    "backup_missing": N_("{path} : fichier de sauvegarde introuvable"),
    "backup_unreadable": N_("{path} : ce n'est pas une sauvegarde de Relais"),
    "restore_not_empty": N_("la table {table} n'est pas vide : la restauration demande une base de données vide"),
    "restore_count": N_("table {table} : {restored} lignes restaurées, le manifeste en annonce {expected}"),
    "restore_outbox_not_empty": N_("la boîte d'envoi {path} n'est pas vide : déplacez-la avant de restaurer"),
    "network_exists": N_("un réseau a déjà l'identifiant « {network} »"),
    "network_form_invalid": N_("{field} : {reason}"),
    "backup_unplaced_table": N_("table {table} : aucune règle ne dit à quel réseau ses lignes appartiennent"),
    "network_backup_other": N_("cette sauvegarde est celle du réseau « {backup} », pas de « {network} » : "
                               "choisissez le réseau avec --reseau {backup}"),
    "network_restore_no_schema": N_("la base de données est vide : lancez d'abord « relais db upgrade », qui crée "
                                    "les réseaux de la configuration"),
    "network_restore_not_empty": N_("le réseau {network} a déjà des données : ajoutez --remplacer pour les "
                                    "remplacer par celles de la sauvegarde (les autres réseaux n'y perdent rien)"),
    "network_restore_revision": N_("la sauvegarde du réseau est à la révision {backup} du schéma, la base de "
                                   "données à {revision} : elle se restaure dans une base à la même révision"),
    "network_restore_conflict": N_("la sauvegarde du réseau entre en conflit avec des lignes de cette base (rien "
                                   "n'a été changé) : {detail}"),
    "network_restore_bits": N_("les préférences « {family} / {slug} » n'ont pas le même bit ici que dans la "
                               "sauvegarde (rien n'a été changé) : les choix des abonnés y seraient faussés"),
    # Subscribers (subscribers/)
    "not_a_maildir": N_("{path} n'est pas un Maildir (ni dossier cur/, ni dossier new/)"),
    # The watch: fetching a source (watch/fetch.py, watch/outbound.py)
    "timeout": N_("délai dépassé : pas de réponse complète en {seconds} s"),
    "too_many_redirects": N_("plus de {limit} redirections (une boucle ?)"),
    "body_too_large": N_("réponse de {size} octets, au-delà de la limite de {limit} octets"),
    "body_over_limit": N_("réponse au-delà de la limite de {limit} octets"),
    "file_too_large": N_("fichier de {size} octets, au-delà de la limite de {limit} octets"),
    "cannot_read_file": N_("lecture impossible de {path}"),
    "http_status": N_("HTTP {status} : {reason}"),
    "connection": N_("erreur réseau"),
    "connection_refused": N_("connexion refusée"),
    "connection_reset": N_("connexion interrompue par le serveur"),
    "connect_timeout": N_("le serveur ne répond pas (délai de connexion dépassé)"),
    "read_timeout": N_("le serveur a cessé de répondre (délai de lecture dépassé)"),
    "dns_failed": N_("nom de domaine introuvable"),
    "network_unreachable": N_("réseau inaccessible"),
    "tls_failed": N_("certificat ou connexion sécurisée invalide"),
    "protocol_error": N_("le serveur a coupé la connexion ou répondu de façon invalide"),
    "decoding_failed": N_("réponse impossible à décompresser"),
    "scheme": N_("adresse refusée : seuls http et https sont suivis ({value})"),
    "local_file": N_("fichier local refusé : seule une source écrite dans config.toml lit un fichier ({value})"),
    "internal": N_("adresse interne refusée : {value}"),
    "unresolved": N_("nom de domaine introuvable : {value}"),
    # The watch: reading what was fetched (watch/parse*.py) and storing it (watch/collect.py)
    "unreadable_feed": N_("flux illisible"),
    "not_a_feed": N_("ce n'est pas un flux (ni RSS, ni Atom, ni JSON Feed)"),
    "not_a_json_feed": N_("JSON qui n'est pas un JSON Feed : choisissez le format « API JSON »"),
    "json_feed_without_items": N_("JSON Feed sans liste d'éléments"),
    "invalid_json": N_("JSON invalide"),
    "no_items_list": N_("aucune liste au chemin « {path} »"),
    "items_not_a_list": N_("le chemin « {path} » ne mène pas à une liste"),
    "unreadable_ical": N_("agenda iCalendar illisible"),
    "unreadable_body": N_("contenu illisible"),
    "cannot_store_items": N_("enregistrement des éléments impossible"),
}  # fmt: skip

# What an HTTP status means to a person (the ``reason`` of ``http_status``).
HTTP_REASONS: Mapping[int, str] = {
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
OTHER_STATUS = N_("réponse en erreur")


def _same(message: str) -> str:
    return message


def known(error: BaseException, gettext: Callable[[str], str] = _same, show: Callable[[Any], str] = str) -> str | None:
    """The French (or ``gettext``'s locale) of ``error`` by its code, or None when its code has no template.
    ``show`` writes each parameter (the web layer names a status in words)."""
    template = MESSAGES.get(getattr(error, "code", "")) if isinstance(error, RelaisError) else None
    if template is None:
        return None
    assert isinstance(error, RelaisError)
    params = {k: show(v) for k, v in error.params.items()}
    if error.code == "http_status":
        params["reason"] = gettext(HTTP_REASONS.get(int(error.params.get("status", 0)), OTHER_STATUS))
    try:
        return gettext(template).format(**params)
    except (KeyError, IndexError, ValueError):  # a catalogue's translation naming a parameter the error lacks
        return template.format_map(_Missing(params))


def describe(error: BaseException, gettext: Callable[[str], str] = _same, show: Callable[[Any], str] = str) -> str:
    """What to tell a person: the template of the error's code, filled; else the error's own message."""
    return known(error, gettext, show) or str(error) or type(error).__name__


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"
