"""The demo part of ``relais up`` (``[demo] enabled = true`` in the bundled config): what editors and staff
would do by hand on a first morning, done once so that a fresh machine shows the whole flow.

    import demo subscribers (confirmed, legal basis "démonstration") | approve the collected items as the demo
    editor | build the newsletter | approve it for now | send it to the configured mailer (the outbox)

Each step does nothing when its work is already done, so ``relais up`` can run again.
"""

from __future__ import annotations

from core.errors import InvalidInput
from core.model import ImportOutcome, IssueStatus, Role
from relais.wiring import Services, build_subscribers, digest_service
from storage.issues import IssueRepository
from storage.subscribers import SubscriberRepository
from storage.users import UserRepository
from subscribers.importer import import_csv

DEMO_EDITOR = "demo"


def subscribers(svc: Services) -> str:
    with svc.db.session() as s:
        if SubscriberRepository(s).find():
            return "des abonnés existent déjà"
    path = svc.settings.resolve(svc.settings.demo.subscribers_csv)
    kit = build_subscribers(svc)
    report = import_csv(
        svc.db, svc.clock, path.read_bytes(), kit.choices, confirmed=True, basis="démonstration (données fictives)"
    )
    return f"{report.count(ImportOutcome.CREATED)} abonnés de démonstration importés de {path.name}"


def approve(svc: Services) -> str:
    """What editors do in the triage queue, done at once for the demo: every new item is approved."""
    from curation.actions import Curator
    from curation.validate import Taxonomy

    curator = Curator(svc.db, svc.clock, Taxonomy.from_settings(svc.settings.taxonomy))
    result = curator.approve_all_new(actor=DEMO_EDITOR)
    return f"{len(result.done)} éléments collectés approuvés par la rédaction de démonstration"


def newsletter(svc: Services) -> str:
    digest = digest_service(svc)
    with svc.db.session() as s:
        drafts = IssueRepository(s).find(status=IssueStatus.DRAFT)
    if drafts:
        issue = drafts[0]
    else:
        try:
            issue = digest.build_newsletter(by=DEMO_EDITOR, editorial=EDITORIAL)
        except InvalidInput as exc:
            return f"pas de lettre : {exc}"
    assert issue.id is not None
    digest.approve(issue.id, at=svc.clock.now())
    return f"{issue.title} approuvé pour l'envoi ({len(issue.entries)} éléments)"


def admin_account(svc: Services) -> str:
    """A fresh install has nobody to log in: make one admin and print the password once."""
    from admin.accounts import add_user, generate_password

    with svc.db.session() as s:
        if UserRepository(s).find():
            return "des comptes existent (relais users list)"
    email = svc.settings.demo.admin_email
    password = generate_password()
    add_user(svc.db, email, Role.ADMIN, password, now=svc.clock.now())
    return (f"compte administrateur créé : {email} / {password}  (affiché une seule fois ; à changer dans "
            "l'administration ou avec « relais users passwd »)")  # fmt: skip


EDITORIAL = (
    "Bonjour à toutes et à tous,\n\nVoici les appels à projets, événements, formations et offres repérés ce mois-ci "
    "par l'équipe. **Bonne lecture**, et n'hésitez pas à nous signaler vos propres actualités !"
)
