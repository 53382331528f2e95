"""Deadlines are read after a cue, in French or English; no cue or no readable date gives nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from watch.dates import CallStatus, find_deadline, find_opening, parse_date, status_on

REF = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Date limite de dépôt : 15 mars 2027", date(2027, 3, 15)),
        ("clôture le 05/10/2026", date(2026, 10, 5)),
        ("Les dossiers sont à déposer avant le 12 janvier 2027 à minuit.", date(2027, 1, 12)),
        ("Candidatures jusqu'au 3 janvier 2027", date(2027, 1, 3)),
        ("Date limite : 1er février 2027", date(2027, 2, 1)),
        ("Deadline: March 3, 2027", date(2027, 3, 3)),
        ("Applications close on 14 February 2027.", date(2027, 2, 14)),
        ("Date limite de candidature : 5 mars 2027.", date(2027, 3, 5)),
        ("DATE LIMITE DE DÉPÔT : 15 MARS 2027", date(2027, 3, 15)),  # capitals, accents included
        ("İzmir, Clôture Le 05/10/2026", date(2026, 10, 5)),  # a letter whose lower case is two characters
    ],
)
def test_deadlines_in_french_and_english(text: str, expected: date) -> None:
    assert find_deadline(text, reference=REF) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Date limite de dépôt : à préciser",  # no date
        "Publié le 3 novembre 2026 par l'équipe",  # a date without a deadline cue
        "Date limite : 31 février 2027",  # not a real day
        "Date limite : demain",  # too vague
        "",
    ],
)
def test_no_deadline_is_invented(text: str) -> None:
    assert find_deadline(text, reference=REF) is None


def test_opening_and_deadline_in_one_sentence_are_told_apart() -> None:
    text = "Ouverture des candidatures le 1er décembre 2026, clôture le 31/01/2027."
    assert find_opening(text, reference=REF) == date(2026, 12, 1)
    assert find_deadline(text, reference=REF) == date(2027, 1, 31)


def test_structured_dates() -> None:
    assert parse_date("2027-03-15T00:00:00+00:00", reference=REF) == date(2027, 3, 15)
    assert parse_date("15/03/2027", reference=REF) == date(2027, 3, 15)
    assert parse_date("n'importe quoi", reference=REF) is None
    assert parse_date(None, reference=REF) is None


def test_status_from_dates() -> None:
    today = date(2026, 12, 15)
    assert status_on(today, opening=date(2027, 1, 1), deadline=date(2027, 3, 1)) == CallStatus.FORTHCOMING
    assert status_on(today, opening=date(2026, 12, 1), deadline=date(2027, 3, 1)) == CallStatus.OPEN
    assert status_on(today, opening=None, deadline=date(2026, 12, 14)) == CallStatus.CLOSED
    assert status_on(today, opening=None, deadline=today) == CallStatus.OPEN
    assert status_on(today, opening=None, deadline=None) == CallStatus.UNKNOWN


# --- Classes of failure seen on real call pages (issue 14). Every sentence here was written for the project. ----

OLD = datetime(2031, 6, 15, tzinfo=UTC)  # a collection day far from the texts: a year guessed from it shows


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the typographic apostrophe most French sites write, and no-break spaces around the date
        ("Le fonds reste ouvert jusqu’au 12\u00a0mai\u00a02028 inclus.", date(2028, 5, 12)),
        ("Dépôt possible jusqu’au\u202f3 février 2029.", date(2029, 2, 3)),
        ("Candidatures recevables jusq’au 9 mars 2028.", date(2028, 3, 9)),  # the typo of a hurried page
        # words between the cue and the date
        ("Clôture de l’appel à projets : 31 mars 2028", date(2028, 3, 31)),
        ("La date limite d’envoi des notes succinctes est fixée au 14 avril 2028 à 16h00.", date(2028, 4, 14)),
        ("Date limite, le 2 octobre 2028.", date(2028, 10, 2)),
        ("Date limite pour l'envoi des dossiers complets: 7 juillet 2028, à 12h00 (heure de Paris)", date(2028, 7, 7)),
        # the date before its cue
        ("Le dossier doit parvenir à la fondation le 20 janvier 2029 au plus tard.", date(2029, 1, 20)),
        ("Remise des offres au plus tard le vendredi 16 mars 2029 à midi.", date(2029, 3, 16)),
        # weekday, leading zero, glued words out of a PDF, English orders
        ("Réf. ABC/2028/12Date limite de soumission : 05 juin 2028, 12h00", date(2028, 6, 5)),
        ("Deadline: 14-Sep-2028", date(2028, 9, 14)),
        ("Proposals must be submitted by or before 5 pm (CET) October 3, 2028.", date(2028, 10, 3)),
        ("Closing date for applications: 30 November 2028", date(2028, 11, 30)),
        # a label on one line, its date on the next; table cells
        ("Date limite de dépôt des candidatures\n18 février 2029\nObjectifs du programme", date(2029, 2, 18)),
        ("Date limite de soumission :\n03 avril 2029, 12h00", date(2029, 4, 3)),
        ("Lancement : 1 février 2029 | Date de clôture : 2 mai 2029 | Statut : ouvert", date(2029, 5, 2)),
        # an extended deadline wins over the first one
        ("Initialement ouvert jusqu'au 10 mai, l'appel est prolongé jusqu'au 24 mai 2029.", date(2029, 5, 24)),
    ],
)
def test_deadline_phrasings_of_real_call_pages(text: str, expected: date) -> None:
    assert find_deadline(text, reference=OLD) == expected


@pytest.mark.parametrize(
    ("text", "opening", "deadline"),
    [
        ("Les candidatures sont ouvertes sur la plateforme du 2 mars au 11 mai 2029.",
         date(2029, 3, 2), date(2029, 5, 11)),
        ("Cet appel est ouvert du 15 avril au 15 juin 2029.", date(2029, 4, 15), date(2029, 6, 15)),
        ("La période d’ouverture est fixée du 3 mai  au 28 juin minuit 2029.", date(2029, 5, 3), date(2029, 6, 28)),
        ("Période de dépôt des dossiers\n- Du 1er juillet 2029 au 30 septembre 2029.",
         date(2029, 7, 1), date(2029, 9, 30)),
        ("Submission period: proposals are accepted during the period of 3 March to 12 May 2029.",
         date(2029, 3, 3), date(2029, 5, 12)),
        # a range across New Year: its first date is in the year before
        ("Appel ouvert du 15 décembre au 31 janvier 2030.", date(2029, 12, 15), date(2030, 1, 31)),
        ("Date de lancement : 1 février 2029 | Date de clôture : 2 mai 2029", date(2029, 2, 1), date(2029, 5, 2)),
        ("Launch:\n18/02/2029 at 00:00\nClosing:\n21/03/2029 at 23:59", date(2029, 2, 18), date(2029, 3, 21)),
    ],
)  # fmt: skip
def test_ranges_give_the_opening_and_the_deadline_with_the_year_written_after_them(
    text: str, opening: date, deadline: date
) -> None:
    assert find_opening(text, reference=OLD) == opening
    assert find_deadline(text, reference=OLD) == deadline


@pytest.mark.parametrize(
    "text",
    [
        # a time after the cue is no date: nothing may be invented
        "Les dossiers doivent être envoyés au plus tard à 18 heures.",
        "Date limite : 23h59, heure de Paris",
        "Deadline for submitting proposals – Stage 1\nPre-selected organisations are notified by email",
        # traps: a contract period, a start, an information session, a yearly date, an amount, a festival
        "Poste à pourvoir du 4 mars 2029 au 20 septembre 2029, temps plein.",
        "Prise de poste le : 7 janvier 2029\nSalaire selon la grille",
        "Séance d'information jeudi 14 juin 2029 de 10h00 à 12h00, avant le dépôt des dossiers.",
        "La période de dépôt se termine et s'achève chaque année au 15 novembre.",
        "Les dates de clôture des sessions sont le 31 mars et le 30 septembre de chaque année.",
        "Une subvention pouvant aller jusqu’à 6 000 € par projet.",
        "Pour la soirée de clôture, le 9 décembre 2029, un concert est prévu.",
        "Le projet se déroule de novembre 2028 à février 2031.",
        "Période de réalisation des actions\n- dès notification et jusqu’au 30 juin 2030",
        "Présélection par un jury : jusqu’à février 2030",
        "Les thèmes vont de l'environnement jusqu'au commerce équitable.",
        "Avoir deux ans d'existence à la date de clôture de la session.",
        # a date without its year, with no year anywhere to take it from
        "Les dossiers sont à déposer jusqu’au 31 mars.",
    ],
)
def test_no_date_is_invented_from_times_traps_or_missing_years(text: str) -> None:
    assert find_deadline(text, reference=OLD) is None
    assert find_opening(text, reference=OLD) is None


def test_the_session_still_open_wins_else_the_latest() -> None:
    text = "Deux sessions : la première se clôture le 15 mars 2029, la seconde se clôture le 15 septembre 2029."
    assert find_deadline(text, reference=datetime(2029, 1, 10, tzinfo=UTC)) == date(2029, 3, 15)
    assert find_deadline(text, reference=datetime(2029, 4, 2, tzinfo=UTC)) == date(2029, 9, 15)
    assert find_deadline(text, reference=datetime(2030, 1, 1, tzinfo=UTC)) == date(2029, 9, 15)  # both closed
    listed = "Deux dates de dépôt des candidatures : le 31 mars et le 15 juin 2029."
    assert find_deadline(listed, reference=datetime(2029, 2, 1, tzinfo=UTC)) == date(2029, 3, 31)


def test_a_strong_cue_wins_over_a_loose_one_elsewhere_in_the_page() -> None:
    text = (
        "Période de dépôt des projets\n- Du 15 juillet 2029 au 30 septembre 2029.\n"
        "Les actions se déroulent ensuite, et jusqu’au 30 juin 2030 au plus tard pour les dernières."
    )
    assert find_deadline(text, reference=OLD) == date(2029, 9, 30)


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("Deadline: 03/04/2029", "DMY", date(2029, 4, 3)),
        ("Deadline: 03/04/2029", "MDY", date(2029, 3, 4)),
        ("Deadline: 2029/04/03", "YMD", date(2029, 4, 3)),
        ("Deadline: 2029-04-03", "DMY", date(2029, 4, 3)),  # ISO reads the same in every order
        ("Deadline: 04/25/2029", "DMY", date(2029, 4, 25)),  # only the other order is a real date
        ("Clôture le 01.08.2029 à 8h00", "DMY", date(2029, 8, 1)),
    ],
)
def test_numeric_dates_follow_the_sources_date_order(text: str, order: str, expected: date) -> None:
    assert find_deadline(text, reference=OLD, date_order=order) == expected
    assert parse_date(text.split(": ")[-1].split(" à")[0].removeprefix("Clôture le "), reference=OLD,
                      date_order=order) == expected  # fmt: skip


def test_a_date_without_its_year_takes_it_from_the_sentence_the_publication_or_the_title() -> None:
    from watch.dates import read_dates

    assert read_dates("Le Département lance ce 29 avril l’édition 2029 de son appel.", reference=OLD).opening == date(
        2029, 4, 29
    )
    late = "Des projets pourront être déposés jusqu’au 31 mars."
    assert read_dates(late, reference=OLD, published=date(2029, 1, 19)).deadline == date(2029, 3, 31)
    assert read_dates(late, reference=OLD, published=date(2029, 11, 5)).deadline == date(2030, 3, 31)
    assert read_dates(late, reference=OLD, title="Session de printemps 2029").deadline == date(2029, 3, 31)
    assert read_dates(late, reference=OLD).deadline is None  # the collection day is no context


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a trap takes only the dates it governs: the deadline beside it stays
        ("Envoyez votre candidature avant le 15 juin 2029, pour une prise de poste le 1er septembre 2029.",
         date(2029, 6, 15)),
        ("Poste à pourvoir à partir du 1er septembre 2029. Candidatures jusqu'au 15 juin 2029.", date(2029, 6, 15)),
        ("Publié le 15 mars 2029 - Date limite le 30 avril 2029", date(2029, 4, 30)),
        ("Contrat : CDD de 6 mois jusqu'au 31 décembre 2029", None),
        ("CDD de 12 mois, candidatures jusqu'au 15 mai 2029", date(2029, 5, 15)),
        # more ways to say it
        ("Les dossiers complets sont attendus pour le 15 mars 2029.", date(2029, 3, 15)),
        ("Candidatures à adresser d'ici le 15 mars 2029 par courriel.", date(2029, 3, 15)),
        ("Fin des candidatures : 15 mars 2029", date(2029, 3, 15)),
        ("Délai de dépôt : 15-03-2029", date(2029, 3, 15)),
        ("Le dossier doit être remis le 15 mars 2029, délai de rigueur.", date(2029, 3, 15)),
        ("Applications must be received by 15 March 2029.", date(2029, 3, 15)),
        ("The call closes on 15 March 2029.", date(2029, 3, 15)),
        ("Applications are open until March 15, 2029.", date(2029, 3, 15)),
        ("Les projets devront démarrer avant le 1er janvier 2030.", None),
        ("Le jury se réunira le 15 avril 2029 et les résultats seront publiés le 15 mai 2029.", None),
    ],
)  # fmt: skip
def test_traps_take_their_own_dates_only_and_other_phrasings(text: str, expected: date | None) -> None:
    assert find_deadline(text, reference=OLD) == expected


@pytest.mark.parametrize(
    ("text", "opening", "deadline"),
    [
        ("Candidatures : du 1er au 31 mars 2029", date(2029, 3, 1), date(2029, 3, 31)),
        ("Applications open: 1 February 2029. Applications close: 15 March 2029.", date(2029, 2, 1),
         date(2029, 3, 15)),
        # a calendar's rows: the date, a separator, then what it is
        ("Calendrier\n- 1er février 2029 : lancement de l'appel à projets\n- 15 mars 2029 : date limite de dépôt\n"
         "- mai 2029 : comité de sélection", date(2029, 2, 1), date(2029, 3, 15)),
        ("3 mars 2029 - Date limite : à préciser", None, None),  # a label waiting for its date, not a row
        ("Date butoir : 15 mars 2029", None, date(2029, 3, 15)),
        ("Merci de répondre avant le 15 mars 2029.", None, date(2029, 3, 15)),
        # what the project or the applicant must have done is no deadline
        ("Les dossiers retenus devront être réalisés avant le 31 décembre 2029.", None, None),
        ("Sont éligibles les dépenses engagées jusqu'au 31 décembre 2029.", None, None),
        ("Applicants must have been registered before 1 January 2020.", None, None),
        ("L'association doit être déclarée depuis le 1er janvier 2020. Date limite : 15 mars 2029", None,
         date(2029, 3, 15)),
    ],
)  # fmt: skip
def test_calendar_rows_period_labels_and_conditions_on_the_applicant(
    text: str, opening: date | None, deadline: date | None
) -> None:
    assert (find_opening(text, reference=OLD), find_deadline(text, reference=OLD)) == (opening, deadline)


@pytest.mark.parametrize(
    "text",
    [
        "Un concert clôturera le festival le 2 décembre 2029.",  # a verb that closes an event, not a call
        "Le réseau lance le 15 mars 2029 un cycle de formations.",  # launching something other than a call
        "Le rapport final devra être remis au plus tard le 31 décembre 2030.",  # a report's date, after the project
    ],
)
def test_events_launches_and_reports_give_no_date(text: str) -> None:
    assert (find_opening(text, reference=OLD), find_deadline(text, reference=OLD)) == (None, None)


def test_normalise_is_its_definition_on_spaces_and_apostrophes() -> None:
    import random
    import re
    import unicodedata

    from watch.dates import normalise

    def defined(text: str) -> str:
        text = unicodedata.normalize("NFC", text).translate(
            str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": "'", "\r": "\n", "\u200b": None})
        )
        text = re.sub(r"[\u0300-\u036f]", "", text)
        return re.sub(r"[ \t\u00a0\u202f\u2009\u2007\u2002\u2003\u200a\u205f\u3000]+", " ", text)

    rng = random.Random(11)
    alphabet = list(" \t\u00a0\u202f\u2009\u3000\n\r’‘ʼ´`\u200ba e\u0301éx")
    for _ in range(3_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert normalise(text) == defined(text), repr(text)
    assert normalise("Date limite\u00a0: 15\u202fmars  2027 jusqu’au") == "Date limite : 15 mars 2027 jusqu'au"
