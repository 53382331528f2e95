"""The cue grammar of deadlines and opening dates, as data: which phrases announce which date, in which language.

Each cue is a regular expression over normalised text (lower case, plain apostrophes, plain spaces: see
:func:`watch.dates.normalise`) and a meaning:

- ``deadline``: the date that follows is a closing date (``strong``: it names the deadline itself, « date
  limite », « clôture », "deadline"; the others, « jusqu'au », « au plus tard », only count when no strong cue
  gave a date in the same text);
- ``extended``: an extended deadline (« prolongé jusqu'au »): it wins over every other;
- ``opening``: an opening date (« date de lancement », « ouverture des candidatures »);
- ``period``: a submission period: « du 1er mars au 6 mai 2024 » after it gives the opening and the deadline;
- ``trap``: the dates that follow are about something else (a contract period, an information session, a start
  date, a publication date): they are taken by no other cue;
- ``recurring``: the sentence gives a date of every year (« chaque année au 15 novembre »): none of its dates is
  taken;
- ``void``: the words look like a cue but are not one (« soirée de clôture »): cues inside them are ignored.

``after``: the date comes before the cue (« le 15 février 2024 au plus tard », « le 1er août, dernier délai »).
Words may stand between a cue and its date (« Clôture de l'appel à projets : 31 mars 2025 »), within the same
sentence; a cue alone on its line (a label) reads the date that starts the next line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from watch.literals import may_match, required


class Meaning(StrEnum):
    DEADLINE = "deadline"
    EXTENDED = "extended"
    OPENING = "opening"
    PERIOD = "period"
    TRAP = "trap"
    RECURRING = "recurring"
    VOID = "void"


@dataclass(frozen=True, slots=True)
class Cue:
    phrase: str
    meaning: Meaning
    lang: str
    strong: bool = False
    after: bool = False  # the date precedes the cue
    glued: bool = False  # may follow a word without a space (« …/ACT/PGDeadline for »: text out of a PDF)


_D, _X, _O, _P = Meaning.DEADLINE, Meaning.EXTENDED, Meaning.OPENING, Meaning.PERIOD
_T, _R, _V = Meaning.TRAP, Meaning.RECURRING, Meaning.VOID
_SUBMIT_FR = r"(?:d[ée]p[ôo]ts?|d[ée]pos\w*|r[ée]ception|r[ée]pon\w+|envoy\w+|envoi|adress\w+|transmet\w*|transmis\w*|soumet\w*|soumis\w*|soumission|remi[st]\w*|remettre|retourn\w+|parven\w+|candidat\w*|postul\w+|inscri\w+|dossiers?|propositions?)"  # noqa: E501
_SUBMIT_EN = r"(?:submi\w+|send|sent|appl\w+|proposals?|concept notes?|registration|register)"

CUES: tuple[Cue, ...] = (
    # Deadlines, French
    Cue(r"dates? limites?", _D, "fr", strong=True, glued=True),
    Cue(r"cl[ôo]tur(?:e|[ée]e?s?)|(?:se |s')cl[ôo]tur\w*", _D, "fr", strong=True),  # not « clôturera le festival »
    Cue(r"dernier d[ée]lai", _D, "fr", strong=True),
    Cue(r"dernier d[ée]lai", _D, "fr", strong=True, after=True),
    Cue(r"[ée]ch[ée]ance", _D, "fr", strong=True),
    Cue(r"dates? butoirs?", _D, "fr", strong=True),
    Cue(r"dates? (?:de |d')" + _SUBMIT_FR, _D, "fr", strong=True),
    Cue(_SUBMIT_FR + r"[^|\n]{0,40}?\bjusq?u?'?\s?(?:au|à)", _D, "fr", strong=True),
    Cue(r"(?:ouvert\w*|appel) jusq?u?'?\s?(?:au|à)", _D, "fr", strong=True),
    Cue(r"jusq?u?'?\s?(?:au|à)", _D, "fr"),
    Cue(r"au plus tard", _D, "fr"),
    Cue(r"au plus tard", _D, "fr", after=True),
    Cue(_SUBMIT_FR + r"[^.|\n]{0,60}?\bavant", _D, "fr"),
    Cue(r"s'ach[èe]ve", _D, "fr"),
    Cue(r"(?:date de )?fin (?:des candidatures|de l'appel|des inscriptions|du d[ée]p[ôo]t|de d[ée]p[ôo]t)", _D, "fr",
        strong=True),
    Cue(r"(?:d[ée]lai|limite) (?:de |d')" + _SUBMIT_FR, _D, "fr", strong=True),
    Cue(r"d[ée]lai de rigueur", _D, "fr", strong=True, after=True),
    Cue(r"attendu\w* (?:pour|avant|d'ici) le|d'ici (?:le|au)", _D, "fr"),
    Cue(r"(?:prolong|report|repouss|d[ée]cal)\w* (?:jusqu'|au|à)\w*", _X, "fr", strong=True),
    Cue(r"nouvelle date limite", _X, "fr", strong=True),
    # Deadlines, English
    Cue(r"deadlines?", _D, "en", strong=True, glued=True),
    Cue(r"closing(?: date)?", _D, "en", strong=True),
    Cue(r"(?:applications?|proposals?|submissions?|calls?) (?:close[sd]?|(?:are |is )?due)", _D, "en", strong=True),
    Cue(r"due (?:date|by|on)", _D, "en", strong=True),
    Cue(r"last (?:date|day) (?:for|to|of)", _D, "en", strong=True),
    Cue(_SUBMIT_EN + r"[^.|\n]{0,60}?\b(?:by|before|no later than)", _D, "en"),
    Cue(r"no later than", _D, "en"),
    Cue(r"(?:open|accepted|available|runs?) until", _D, "en"),
    Cue(r"(?:extended|postponed) (?:until|to|till)", _X, "en", strong=True),
    # Openings
    Cue(r"date (?:de lancement|d'ouverture)", _O, "fr"),
    Cue(r"ouverture (?:de l'appel|des candidatures|des inscriptions|du d[ée]p[ôo]t|de la (?:plateforme|session))",
        _O, "fr"),
    Cue(r"lancement de l'appel", _O, "fr"),
    Cue(r"lance(?:ra)? (?:ce|le)(?=\s+(?:[a-z]+\s+)?\d[^.|\n]{0,80}(?:appel|candidature|dispositif|[ée]dition))", _O,
        "fr"),
    Cue(_SUBMIT_FR + r"[^.|\n]{0,40}?\b(?:à partir du|dès le)", _O, "fr"),
    Cue(r"(?:opening date|launch(?: date)?|opens(?: on)?)", _O, "en"),
    Cue(r"(?:applications?|submissions?|calls?) (?:are |is )?open(?!\s+until)", _O, "en"),
    # Submission periods
    Cue(r"p[ée]riode (?:de |d')(?:d[ée]p[ôo]t|ouverture|candidature|soumission)", _P, "fr", strong=True),
    Cue(r"ouvert\w*(?=\s(?:[^|\n]{0,40}?\s)?du\s)", _P, "fr", strong=True),
    Cue(r"d[ée]p[ôo]ts? des (?:dossiers|candidatures|projets)", _P, "fr", strong=True),
    Cue(r"(?:submission timeframe|submission period|during the period of|open from)", _P, "en", strong=True),
    Cue(r"(?:candidatures?|inscriptions?|applications?)(?=\s*:?\s+(?:sont\s+|are\s+)?(?:ouvert\w*\s+|open\s+|possibles?\s+)?(?:du|from)\s)",
        _P, "fr", strong=True),
    # Traps: the sentence is about something else
    Cue(r"(?:à|a) pourvoir", _T, "fr"),
    Cue(r"prise de poste", _T, "fr"),
    Cue(r"(?:cdd|contrat|mission|stage|remplacement|volontariat)[^.|,;:\n]{0,25}?jusq?u?'?\s?(?:au|à)", _T, "fr"),
    Cue(r"d[ée]but (?:de la mission|du contrat|de contrat|du poste|des activit[ée]s|du projet)", _T, "fr"),
    Cue(r"(?:s[ée]ance|r[ée]union|session) d'information", _T, "fr"),
    Cue(r"webinaires?", _T, "fr"),
    Cue(r"chaque ann[ée]e|tous les ans", _R, "fr"),
    Cue(r"p[ée]riode (?:de r[ée]alisation|d'ex[ée]cution|de mise en [œo]e?uvre)", _T, "fr"),
    Cue(r"dur[ée]e (?:du projet|de la mission|du contrat)", _T, "fr"),
    Cue(r"(?:publi[ée]e?|mis en ligne|mise à jour) le", _T, "fr"),
    # what the project or the applicant does, not when the file is due
    Cue(r"(?:r[ée]alis|achev|termin|ex[ée]cut|engag|d[ée]clar|enregistr|constitu|immatricul|cr[ée]|fond)[ée]e?s?"
        r"(?: \w+){0,2} (?:avant|après|depuis|d'ici|au plus tard|jusqu'au|à partir du|entre)", _T, "fr"),
    Cue(r"(?:r[ée]aliser|d[ée]marr\w*|commenc\w*)(?: \w+){0,2} (?:avant|après|d'ici|au plus tard|entre)",
        _T, "fr"),
    Cue(r"(?:d[ée]penses?|frais)(?: \w+){0,4} (?:jusqu'au|avant le|à partir du|du)", _T, "fr"),
    Cue(r"(?:rapports?|bilans?|comptes? rendus?)(?: \w+){0,2} (?:doit|doivent|devra|devront|sera|seront|est|sont) "
        r"(?:\w+ ){0,2}(?:remis|envoy|transmis|fourni|d[ée]pos|adress)\w*", _T, "fr"),
    Cue(r"information session|info session|webinar|start(?:ing)? date|published on", _T, "en"),
    Cue(r"every year|each year|annually", _R, "en"),
    Cue(r"(?:registered|established|founded|created|incorporated|completed|implemented|started|ended|incurred)"
        r"(?: \w+){0,2} (?:on or )?(?:before|by|after|between|until|since)", _T, "en"),
    # Look like cues, are not
    Cue(r"(?:soir[ée]e|c[ée]r[ée]monie|s[ée]ance|concert|spectacle|f[êe]te|journ[ée]e|film|repas) de cl[ôo]ture",
        _V, "fr"),
    Cue(r"cl[ôo]ture (?:du festival|de l'[ée]v[ée]nement|des festivit[ée]s|de la (?:semaine|journ[ée]e|saison))",
        _V, "fr"),
    Cue(r"(?:la |à la )?date de cl[ôo]ture de la session", _V, "fr"),
    Cue(r"closing (?:ceremony|session|night|event|remarks)", _V, "en"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CueMatch:
    cue: Cue
    start: int
    end: int

    def shifted(self, by: int) -> CueMatch:
        return CueMatch(self.cue, self.start + by, self.end + by)


# No look-behind in the patterns: Python's re then finds a pattern's first letters at C speed; the word boundary
# before a match is checked on the few matches instead (a look-behind made every scan 5 to 10 times slower).
# Each pattern comes with the literal text every match of it contains (watch.literals): a text without it is not
# scanned. Most texts hold a handful of the cues, so a few substring searches replace most of the regex scans
# (bench watch's 3,600 texts: 0.82 -> 0.12 s).
_COMPILED = [
    (cue, re.compile(pattern), required(pattern))
    for cue, pattern in ((cue, "(?:" + cue.phrase + r")(?!\w)") for cue in CUES)
]


def cues_in(text: str) -> list[CueMatch]:
    """Every cue in ``text`` (normalised, lower case), void ones removed with the cues they overlap."""
    found = [
        CueMatch(cue, m.start(), m.end())
        for cue, pattern, needs in _COMPILED
        if may_match(needs, text)
        for m in pattern.finditer(text)
        if cue.glued or m.start() == 0 or not _word(text[m.start() - 1])
    ]
    voids = [(m.start, m.end) for m in found if m.cue.meaning == Meaning.VOID]
    return sorted(
        (
            m
            for m in found
            if m.cue.meaning != Meaning.VOID and not any(s <= m.start < e or m.start <= s < m.end for s, e in voids)
        ),
        key=lambda m: (m.start, m.end),
    )


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"
