"""Place names that contain, or are contained in, the names a taxonomy uses: French départements and regions
(today's and the former ones, still common in texts), countries and world zones in French, and organisations
whose name holds a place. Data only; :mod:`watch.places` reads it.
"""

from __future__ import annotations

DEPARTEMENTS: tuple[tuple[str, str], ...] = (
    ("01", "Ain"), ("02", "Aisne"), ("03", "Allier"), ("04", "Alpes-de-Haute-Provence"), ("05", "Hautes-Alpes"),
    ("06", "Alpes-Maritimes"), ("07", "Ardèche"), ("08", "Ardennes"), ("09", "Ariège"), ("10", "Aube"),
    ("11", "Aude"), ("12", "Aveyron"), ("13", "Bouches-du-Rhône"), ("14", "Calvados"), ("15", "Cantal"),
    ("16", "Charente"), ("17", "Charente-Maritime"), ("18", "Cher"), ("19", "Corrèze"), ("2A", "Corse-du-Sud"),
    ("2B", "Haute-Corse"), ("21", "Côte-d'Or"), ("22", "Côtes-d'Armor"), ("23", "Creuse"), ("24", "Dordogne"),
    ("25", "Doubs"), ("26", "Drôme"), ("27", "Eure"), ("28", "Eure-et-Loir"), ("29", "Finistère"), ("30", "Gard"),
    ("31", "Haute-Garonne"), ("32", "Gers"), ("33", "Gironde"), ("34", "Hérault"), ("35", "Ille-et-Vilaine"),
    ("36", "Indre"), ("37", "Indre-et-Loire"), ("38", "Isère"), ("39", "Jura"), ("40", "Landes"),
    ("41", "Loir-et-Cher"), ("42", "Loire"), ("43", "Haute-Loire"), ("44", "Loire-Atlantique"), ("45", "Loiret"),
    ("46", "Lot"), ("47", "Lot-et-Garonne"), ("48", "Lozère"), ("49", "Maine-et-Loire"), ("50", "Manche"),
    ("51", "Marne"), ("52", "Haute-Marne"), ("53", "Mayenne"), ("54", "Meurthe-et-Moselle"), ("55", "Meuse"),
    ("56", "Morbihan"), ("57", "Moselle"), ("58", "Nièvre"), ("59", "Nord"), ("60", "Oise"), ("61", "Orne"),
    ("62", "Pas-de-Calais"), ("63", "Puy-de-Dôme"), ("64", "Pyrénées-Atlantiques"), ("65", "Hautes-Pyrénées"),
    ("66", "Pyrénées-Orientales"), ("67", "Bas-Rhin"), ("68", "Haut-Rhin"), ("69", "Rhône"), ("70", "Haute-Saône"),
    ("71", "Saône-et-Loire"), ("72", "Sarthe"), ("73", "Savoie"), ("74", "Haute-Savoie"), ("75", "Paris"),
    ("76", "Seine-Maritime"), ("77", "Seine-et-Marne"), ("78", "Yvelines"), ("79", "Deux-Sèvres"), ("80", "Somme"),
    ("81", "Tarn"), ("82", "Tarn-et-Garonne"), ("83", "Var"), ("84", "Vaucluse"), ("85", "Vendée"), ("86", "Vienne"),
    ("87", "Haute-Vienne"), ("88", "Vosges"), ("89", "Yonne"), ("90", "Territoire de Belfort"), ("91", "Essonne"),
    ("92", "Hauts-de-Seine"), ("93", "Seine-Saint-Denis"), ("94", "Val-de-Marne"), ("95", "Val-d'Oise"),
    ("971", "Guadeloupe"), ("972", "Martinique"), ("973", "Guyane"), ("974", "La Réunion"), ("976", "Mayotte"),
)  # fmt: skip

REGIONS: tuple[str, ...] = (
    "Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne", "Centre-Val de Loire", "Centre-Val-de-Loire",
    "Corse", "Grand Est", "Hauts-de-France", "Île-de-France", "Normandie", "Nouvelle-Aquitaine", "Occitanie",
    "Pays de la Loire", "Pays-de-la-Loire", "Provence-Alpes-Côte d'Azur", "Région Sud",
    # former regions (before 2016), still named in texts
    "Alsace", "Aquitaine", "Auvergne", "Basse-Normandie", "Bourgogne", "Champagne-Ardenne", "Franche-Comté",
    "Haute-Normandie", "Languedoc-Roussillon", "Languedoc Roussillon", "Limousin", "Lorraine", "Midi-Pyrénées",
    "Nord-Pas-de-Calais", "Nord-Pas de Calais", "Nord Pas de Calais", "Poitou-Charentes", "Rhône-Alpes",
    "Picardie", "Région Centre",
    # areas and landmarks whose names hold a département's name
    "Val de Loire", "Vallée du Rhône", "Vallée de la Loire", "Côte d'Azur", "Pays basque", "Savoie Mont Blanc",
    "Pays de Savoie", "Pays de Gex", "Loire Valley", "Outre-mer", "Outre-Mer", "Alsace-Moselle",
)  # fmt: skip

COUNTRIES: tuple[str, ...] = (
    "Afghanistan", "Afrique du Sud", "Albanie", "Algérie", "Allemagne", "Andorre", "Angola", "Arabie saoudite",
    "Argentine", "Arménie", "Australie", "Autriche", "Azerbaïdjan", "Bangladesh", "Belgique", "Bénin", "Bhoutan",
    "Biélorussie", "Birmanie", "Bolivie", "Bosnie-Herzégovine", "Botswana", "Brésil", "Bulgarie", "Burkina Faso",
    "Burundi", "Cambodge", "Cameroun", "Canada", "Cap-Vert", "Centrafrique", "Chili", "Chine", "Chypre",
    "Colombie", "Comores", "Congo", "Congo-Brazzaville", "Congo-Kinshasa", "Corée du Nord", "Corée du Sud",
    "Costa Rica", "Côte d'Ivoire", "Croatie", "Cuba", "Danemark", "Djibouti", "Égypte", "Egypte", "Équateur",
    "Érythrée", "Espagne", "Estonie", "Eswatini", "États-Unis", "Éthiopie", "Fidji", "Finlande", "France",
    "Gabon", "Gambie", "Géorgie", "Ghana", "Grèce", "Guatemala", "Guinée", "Guinée-Bissau", "Guinée équatoriale",
    "Guinée Conakry", "Haïti", "Honduras", "Hongrie", "Inde", "Indonésie", "Irak", "Iran", "Irlande", "Islande",
    "Israël", "Italie", "Jamaïque", "Japon", "Jordanie", "Kazakhstan", "Kenya", "Kirghizistan", "Kosovo",
    "Koweït", "Laos", "Lesotho", "Lettonie", "Liban", "Liberia", "Libéria", "Libye", "Lituanie", "Luxembourg",
    "Macédoine du Nord", "Madagascar", "Malaisie", "Malawi", "Mali", "Malte", "Maroc", "Maurice", "Mauritanie",
    "Mexique", "Moldavie", "Mongolie", "Monténégro", "Mozambique", "Namibie", "Népal", "Nicaragua", "Niger",
    "Nigeria", "Nigéria", "Norvège", "Nouvelle-Calédonie", "Nouvelle-Zélande", "Oman", "Ouganda", "Ouzbékistan",
    "Pakistan", "Palestine", "Panama", "Papouasie-Nouvelle-Guinée", "Paraguay", "Pays-Bas", "Pérou",
    "Philippines", "Pologne", "Polynésie française", "Portugal", "Qatar", "République centrafricaine",
    "République démocratique du Congo", "République du Congo", "République dominicaine", "République tchèque",
    "Roumanie", "Royaume-Uni", "Russie", "Rwanda", "Salvador", "Sao Tomé-et-Principe", "Sénégal", "Serbie",
    "Sierra Leone", "Singapour", "Slovaquie", "Slovénie", "Somalie", "Soudan", "Soudan du Sud", "Sri Lanka",
    "Suède", "Suisse", "Suriname", "Syrie", "Tadjikistan", "Taïwan", "Tanzanie", "Tchad", "Tchéquie",
    "Territoires palestiniens", "Thaïlande", "Timor oriental", "Togo", "Tunisie", "Turkménistan", "Turquie",
    "Ukraine", "Uruguay", "Venezuela", "Vietnam", "Viêt Nam", "Yémen", "Zambie", "Zimbabwe", "Québec",
    # the same in English, for English pages
    "Papua New Guinea", "Kyrgyz Republic", "Kyrgyzstan", "United States", "United Kingdom", "Ivory Coast",
    "South Africa", "South Sudan", "Guinea", "Equatorial Guinea", "Guinea-Bissau", "New Guinea",
)  # fmt: skip

ZONES: tuple[str, ...] = (
    "Afrique", "Afrique subsaharienne", "Afrique sub-saharienne", "Afrique de l'Ouest", "Afrique de l'Est",
    "Afrique centrale", "Afrique australe", "Afrique du Nord", "Afrique du Nord et Moyen-Orient", "Maghreb",
    "Machrek", "Moyen-Orient", "Proche-Orient", "Sahel", "Corne de l'Afrique", "Grands Lacs", "Asie",
    "Asie du Sud-Est", "Asie centrale", "Asie du Sud", "Océanie", "Amérique", "Amérique latine", "Amérique du Nord",
    "Amérique du Sud", "Amérique centrale", "Caraïbes", "Europe", "Europe de l'Est", "Europe centrale",
    "Union européenne", "Méditerranée", "Balkans", "Océan Indien", "Nord-Kivu", "Sud-Kivu",
)  # fmt: skip

# Organisations, agreements and time zones whose name holds a place that is not where the action is. Matched
# ignoring case and accents.
ORGANISATIONS: tuple[str, ...] = (
    "heure de Paris", "heure française", "Paris time", "Accord de Paris", "Accords de Paris", "Club de Paris",
    "Déclaration de Paris", "Forum de Paris sur la paix", "Paris Peace Forum",
    "Maison de l'Europe", "Europe Direct", "EuropeAid", "Europe Aid", "Conseil de l'Europe", "Mouvement européen",
    "Cités Unies France", "France Volontaires", "Expertise France", "Campus France", "Business France",
    "France Travail", "Atout France", "France Médias Monde", "France Stratégie", "France Active",
    "Agence française de développement", "Coordination SUD", "Afrique Verte", "Aide et Action",
    "Ingénieurs sans frontières", "Médecins du Monde", "Secours populaire français",
)  # fmt: skip

# Passages that name places which are not where the action happens: a ministry, the local law of three départements, a
# film's or a book's synopsis in a festival programme. Regular expressions, on accent-stripped text, ignoring case.
ASIDES: tuple[tuple[tuple[str, ...], str, bool], ...] = (
    # (words one of which must be in the folded text, the pattern, whether the whole line is the aside)
    (("ministere",), r"\bministere\s+(?:\w+\s+)?de\s+l'Europe\s+et\s+des\s+Affaires\s+etrangeres", False),
    (("ministere",), r"\bministere\s+(?:\w+\s+)?des\s+Affaires\s+etrangeres\s+et\s+europeennes", False),
    (("1908",), r"\bloi\s+(?:du\s+1er\s+juillet\s+)?1901\s+ou\s+(?:loi\s+)?1908\s*\([^)\n]*\)", False),
    (("1908",), r"\b(?:loi|droit\s+local)\s+(?:de\s+|du\s+19\s+avril\s+)?1908\s*\([^)\n]*\)", False),
    (("alsace-moselle",), r"\bdroit\s+local\s+(?:d'|en\s+)?Alsace-Moselle", False),
    (
        ("mn)", "min)", "realisat", "documentaire", "le film"),
        r"\(\d{4},\s*\d{2,3}\s?(?:mn|min)\)|\b(?:realisateur|realisatrice|le\s+documentaire|ce\s+documentaire"
        r"|le\s+film\s+(?:suit|montre|raconte|interroge))\b",
        True,
    ),
)

# Names that are also common words (« un lot », « cher », « la somme », « le nord ») or directions: a place only
# after a determiner, a postal code or « département du », or before their code in brackets.
AMBIGUOUS: tuple[str, ...] = (
    "Lot", "Cher", "Somme", "Manche", "Nord", "Var", "Orne", "Aube", "Landes", "Marne", "Gard", "Indre", "Eure",
    "Gers", "Tarn", "Aude", "Creuse", "Oise", "Meuse", "Doubs", "Maurice",
)  # fmt: skip
