"""French labels of the figures, shared by the table, the CSV and the report page."""

from __future__ import annotations

KIND_LABELS = {
    "news": "Actualités",
    "funding": "Financements",
    "call": "Appels à projets",
    "event": "Événements",
    "training": "Formations",
    "job": "Emplois et volontariat",
}

UNSUBSCRIBE_LABELS = {
    "newsletter": "Désinscriptions de la lettre",
    "emailing": "Désinscriptions des emailings",
    "alert": "Désinscriptions des alertes",
    "all": "Désinscriptions totales",
}

# The "En bref" numbers, in the order of the report page: (dotted path in KeyFigures, French label).
HEADLINE = [
    ("sends.newsletters", "lettres d'information envoyées"),
    ("sends.emailings", "emailings thématiques"),
    ("items.news_published", "actualités publiées"),
    ("items.funding_sources_published", "sources de financement"),
    ("items.events_published", "événements"),
    ("items.jobs_published", "offres d'emploi et de volontariat"),
    ("items.trainings_published", "formations"),
    ("sends.messages_accepted", "messages remis"),
    ("sends.distinct_recipients", "destinataires atteints"),
    ("audience.subscribers_end", "abonnés en fin de période"),
]
