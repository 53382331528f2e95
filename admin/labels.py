"""The French names of the code's values, in one place for every page: statuses, roles, kinds, consent actions.

Templates show a value with the ``fr`` filter (``{{ issue.status | fr("issue") }}``): the label is a catalogue
message id (French), translated for another locale; a value no table knows is shown as it is, so a new state
appears (in the code's words) rather than vanishing. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from core.model import (
    ConsentAction,
    ConsentOrigin,
    DeliveryStatus,
    IssueKind,
    IssueStatus,
    ItemKind,
    ItemStatus,
    OrganisationType,
    Role,
    SourceKind,
    Stream,
    SubscriberStatus,
)


def N_(message: str) -> str:
    """Marks a string for the catalogue; it is translated where it is shown."""
    return message


TABLES: dict[str, Mapping[str, str]] = {
    # A numéro (masculine): « brouillon », « envoyé ».
    "issue": {
        IssueStatus.DRAFT: N_("brouillon"),
        IssueStatus.SCHEDULED: N_("programmé"),
        IssueStatus.SENDING: N_("en cours d'envoi"),
        IssueStatus.SENT: N_("envoyé"),
        IssueStatus.PAUSED: N_("en pause"),
        IssueStatus.CANCELLED: N_("annulé"),
    },
    "issue_kind": {
        IssueKind.NEWSLETTER: N_("Lettre"),
        IssueKind.EMAILING: N_("Emailing"),
        IssueKind.ALERT: N_("Alertes"),
    },
    # A message of the ledger (masculine).
    "delivery": {
        DeliveryStatus.QUEUED: N_("en attente"),
        DeliveryStatus.SENDING: N_("en cours"),
        DeliveryStatus.ACCEPTED: N_("accepté"),
        DeliveryStatus.DEFERRED: N_("différé"),
        DeliveryStatus.BOUNCED: N_("rejeté (bounce)"),
        DeliveryStatus.FAILED: N_("en échec"),
        DeliveryStatus.SKIPPED: N_("non envoyé"),
    },
    "role": {Role.EDITOR: N_("rédaction"), Role.STAFF: N_("équipe"), Role.ADMIN: N_("administration")},
    "item": {
        ItemStatus.NEW: N_("à trier"),
        ItemStatus.APPROVED: N_("approuvé"),
        ItemStatus.REJECTED: N_("écarté"),
        ItemStatus.ARCHIVED: N_("archivé"),
    },
    "item_kind": {
        ItemKind.FUNDING: N_("Financement"),
        ItemKind.CALL: N_("Appel à projets"),
        ItemKind.EVENT: N_("Événement"),
        ItemKind.TRAINING: N_("Formation"),
        ItemKind.JOB: N_("Emploi"),
        ItemKind.NEWS: N_("Actualité"),
    },
    "source_kind": {
        SourceKind.FEED: N_("flux"),
        SourceKind.HTML: N_("page web"),
        SourceKind.ICAL: N_("agenda"),
        SourceKind.JSON: N_("API JSON"),
    },
    "consent": {
        ConsentAction.SIGNUP: N_("inscription demandée"),
        ConsentAction.CONFIRM: N_("inscription confirmée"),
        ConsentAction.IMPORT: N_("import"),
        ConsentAction.PREFERENCES: N_("préférences modifiées"),
        ConsentAction.UNSUBSCRIBE: N_("désinscription"),
        ConsentAction.SUPPRESS: N_("adresse bloquée"),
        ConsentAction.ERASE: N_("effacement"),
        ConsentAction.ADMIN_EDIT: N_("modification par l'équipe"),
        "unsuppress": N_("blocage levé"),
    },
    "origin": {
        ConsentOrigin.FORM: N_("formulaire"),
        ConsentOrigin.IMPORT: N_("import"),
        ConsentOrigin.ADMIN: N_("administration"),
        ConsentOrigin.LINK: N_("lien"),
        ConsentOrigin.BOUNCE: N_("retour d'erreur"),
    },
    "subscriber": {
        SubscriberStatus.PENDING: N_("en attente de confirmation"),
        SubscriberStatus.CONFIRMED: N_("confirmé·e"),
        SubscriberStatus.UNSUBSCRIBED: N_("désinscrit·e"),
        SubscriberStatus.BOUNCED: N_("adresse en erreur"),
        SubscriberStatus.COMPLAINED: N_("plainte"),
    },
    "stream": {
        Stream.NEWSLETTER: N_("la lettre"),
        Stream.EMAILING: N_("les emailings"),
        Stream.ALERT: N_("les alertes"),
        "all": N_("tout"),
    },
    "organisation": {
        OrganisationType.ASSOCIATION: N_("Association"),
        OrganisationType.LOCAL_AUTHORITY: N_("Collectivité territoriale"),
        OrganisationType.EDUCATION: N_("Établissement scolaire ou universitaire"),
        OrganisationType.COMPANY: N_("Entreprise"),
        OrganisationType.OTHER: N_("Autre"),
    },
    "frequency": {"monthly": N_("mensuelle"), "weekly": N_("hebdomadaire")},
    "reason": {
        "staff": N_("suspendue par l'équipe"),
        "hard_bounce": N_("adresse inexistante"),
        "soft_bounces": N_("erreurs temporaires répétées"),
        "complaint": N_("plainte pour spam"),
        "unsubscribe": N_("désinscription"),
        "erased": N_("effacement"),
    },
}


def label(value: object, table: str, gettext: Callable[[str], str] = str) -> str:
    """The French label of ``value`` in ``table``; a value no table knows, or None, as it is (or empty)."""
    if value is None:
        return ""
    known = TABLES.get(table, {}).get(str(value))
    return gettext(known) if known is not None else str(value)


def yes_no(value: object, gettext: Callable[[str], str] = str) -> str:
    return gettext(N_("oui")) if value else gettext(N_("non"))
