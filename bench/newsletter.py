"""A realistic rendered newsletter for benchmarks: table layout, inline styles, French text, 20–60 KB of HTML.

Stands in for the digest's renderer until the lead plugs the real one in; the placeholders are the real ones.
"""

from __future__ import annotations

import random

from core.message import Placeholder, RenderedSegment

KINDS = ["Financement", "Appel à projets", "Événement", "Formation", "Offre d'emploi", "Actualité"]
WORDS = [
    "coopération",
    "décentralisée",
    "solidarité",
    "internationale",
    "partenariat",
    "Afrique",
    "de",
    "l'Ouest",
    "Madagascar",
    "jeunesse",
    "éducation",
    "à",
    "la",
    "citoyenneté",
    "mondiale",
    "climat",
    "agriculture",
    "santé",
    "collectivités",
    "associations",
    "Région",
    "Auvergne-Rhône-Alpes",
    "date",
    "limite",
    "dossier",
    "candidature",
    "cofinancement",
    "Agence",
    "française",
    "de",
    "développement",
]


def _item(rng: random.Random, n: int) -> tuple[str, str]:
    title = " ".join(rng.choices(WORDS, k=8)).capitalize()
    body = " ".join(rng.choices(WORDS, k=rng.randint(40, 90)))
    kind = rng.choice(KINDS)
    html = (
        '<tr><td style="padding:12px 24px;font-family:Arial,Helvetica,sans-serif;font-size:15px;'
        'line-height:22px;color:#222222;border-bottom:1px solid #e5e5e5">'
        f'<p style="margin:0 0 4px;font-size:12px;color:#c4491a;text-transform:uppercase">{kind}</p>'
        f'<h3 style="margin:0 0 8px;font-size:17px;color:#1d5c8c"><a href="https://resacoop.example/items/{n}" '
        f'style="color:#1d5c8c;text-decoration:none">{title}</a></h3>'
        f'<p style="margin:0 0 8px">{body}</p>'
        f'<p style="margin:0"><a href="https://resacoop.example/items/{n}" style="color:#c4491a">Lire la suite</a>'
        " · Date limite : 12 mars 2027</p></td></tr>\n"
    )
    text = f"{kind.upper()} — {title}\n{body}\nhttps://resacoop.example/items/{n}\n\n"
    return html, text


def rendered(issue_id: int, key: str, items: int, seed: int = 0) -> RenderedSegment:
    rng = random.Random(seed)
    parts = [_item(rng, i) for i in range(items)]
    html = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>RESA\'CLIC</title></head>'
        '<body style="margin:0;background:#f4f4f4"><table role="presentation" width="600" align="center" '
        'style="background:#ffffff">\n'
        '<tr><td style="padding:24px"><img src="https://resacoop.example/logo.png" alt="RESACOOP" width="180">'
        f'<p style="font-size:12px"><a href="{Placeholder.VIEW_URL}">Voir en ligne</a></p></td></tr>\n'
        + "".join(h for h, _ in parts)
        + '<tr><td style="padding:24px;font-size:12px;color:#666666">Vous recevez cette lettre à '
        f'{Placeholder.EMAIL}. <a href="{Placeholder.PREFERENCES_URL}">Vos préférences</a> · '
        f'<a href="{Placeholder.UNSUBSCRIBE_URL}">Se désinscrire</a><br>RESACOOP, 10 rue de l\'Exemple, 69002 Lyon'
        "</td></tr></table></body></html>\n"
    )
    text = (
        "RESA'CLIC\n\n"
        + "".join(t for _, t in parts)
        + f"Préférences : {Placeholder.PREFERENCES_URL}\nSe désinscrire : {Placeholder.UNSUBSCRIBE_URL}\n"
    )
    return RenderedSegment(issue_id, key, f"RESA'CLIC — {key}", html, text)
