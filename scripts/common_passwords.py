"""Write ``subscribers/common_passwords.txt``: passwords people choose first, that the password policy refuses.

Derived from public knowledge of what leaked password lists are made of (keyboard walks, counting, repeated
characters, first names, towns, football clubs, "motdepasse", "azerty", "jetaime", a word followed by a year or
"123" or "!"), in French and English. Only entries of 12 characters or more are written: shorter ones are refused
by the length rule already. Lower-case: the policy compares lower-cased.

    python scripts/common_passwords.py   # rewrites the file (a few thousand lines)
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "subscribers" / "common_passwords.txt"
MIN_LENGTH = 12

WORDS = """
password passw0rd p@ssw0rd p@ssword motdepasse motdepass m0tdepasse mot2passe mdp admin administrateur
administrator root user utilisateur test guest invite welcome bienvenue letmein changeme changezmoi secret
azerty azertyuiop qwerty qwertyuiop qwertz abc abcdef abcd iloveyou jetaime jetaimeplusquetout amour
soleil bonjour bonsoir salut coucou doudou loulou chouchou bisous chaton chouquette cheval poney princesse
princess dragon monkey sunshine master shadow superman batman spiderman pokemon starwars football soccer
baseball basketball hockey rugby tennis olympique marseille paris lyon toulouse nantes bordeaux lille
strasbourg montpellier grenoble rennes nice france bretagne auvergne rhonealpes savoie psg olympiquelyonnais
allezlom ohmarseille ilovemarseille nicolas julien thomas camille manon marie sophie pierre antoine
alexandre mathieu maxime sebastien stephanie nathalie isabelle catherine valerie christophe frederic
laurent olivier vincent guillaume romain kevin jordan anthony celine aurelie emilie elodie laura julie
lucas louis hugo jules emma lea chloe ines sarah chocolat vacances printemps automne hiver ete famille
maison liberte egalite fraternite relais resacoop newsletter infolettre cooperation solidarite
association reseau bureau travail trustno1 whatever freedom computer internet google facebook
samsung apple iphone motorola nokia jesus dieu allah lovely flower fleur papillon tigrou nounours
doudoune mamour monamour mabiche mapuce macherie moncoeur bebe bebou titou toto tata tutu
""".split()  # noqa: SIM905 (a paragraph of words reads better than a list literal)

SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "1234567", "123456789", "!", "1!", "123!", "01",
            "69", "13", "75", "007", "@", "*", "?", "!!"]  # fmt: skip
YEARS = [str(y) for y in range(1970, 2031)]

WALKS = [
    "azertyuiopqsdfghjklmwxcvbn",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "1234567890azertyuiop",
    "1234567890qwertyuiop",
    "abcdefghijklmnopqrstuvwxyz",
    "zyxwvutsrqponmlkjihgfedcba",
    "1q2w3e4r5t6y7u8i9o0p",
    "1a2z3e4r5t6y7u8i9o0p",
    "1qaz2wsx3edc4rfv5tgb",
    "1qay2wsx3edc4rfv5tgb",
    "zaq12wsxcde34rfvbgt5",
    "qazwsxedcrfvtgbyhnujm",
    "azqsdfwxcvbn",
    "aqwzsxedcrfvtgbyhnujikolpm",
    "azerqsdfwxcvazerqsdf",
    "qweasdzxcqweasdzxc",
    "poiuytrezamlkjhgfdsq",
    "poiuytrewqlkjhgfdsa",
    "mnbvcxzlkjhgfdsa",
]


def walks() -> set[str]:
    out = set()
    for walk in WALKS:
        for end in range(MIN_LENGTH, len(walk) + 1):
            out.add(walk[:end])
    return out


def counting() -> set[str]:
    out = set()
    digits = "12345678901234567890"
    for start in range(10):
        for end in range(start + MIN_LENGTH, len(digits) + 1):
            out.add(digits[start:end])
    down = "09876543210987654321"
    for end in range(MIN_LENGTH, len(down) + 1):
        out.add(down[:end])
        out.add("9876543210987654321"[: end - 1] if end - 1 >= MIN_LENGTH else down[:end])
    for ch in "0123456789abcdefghijklmnopqrstuvwxyz!*.":
        for n in range(MIN_LENGTH, 21):
            out.add(ch * n)
    for unit in ("12", "123", "1234", "12345", "123456", "abc", "azerty", "qwerty", "aze", "qwe", "abcd",
                 "0123", "1212", "4321", "54321", "654321", "ab12", "a1b2", "123abc", "abc123", "azer", "pass",
                 "love", "toto", "lol", "haha", "hihi", "01", "69", "00", "11", "2000", "1990"):  # fmt: skip
        repeated = unit * (MIN_LENGTH // len(unit) + 2)
        for end in range(MIN_LENGTH, min(len(repeated), 20) + 1):
            out.add(repeated[:end])
    return out


def words() -> set[str]:
    out = set()
    for word in WORDS:
        for suffix in SUFFIXES + YEARS + [y + "!" for y in YEARS[-11:]]:
            out.add(word + suffix)
        for suffix in ("", "1", "123", "!"):
            out.add(word + word + suffix)
        for prefix in ("123", "ma", "mon", "i love ", "ilove", "jaime", "jetaime", "vive"):
            out.add(prefix + word)
            out.add(prefix + word + "123")
    for a in ("azerty", "qwerty", "motdepasse", "password", "soleil", "bonjour", "marseille", "paris"):
        for b in ("azerty", "qwerty", "motdepasse", "password", "soleil", "bonjour", "123456", "123456789"):
            if a != b:
                out.add(a + b)
    return out


def main() -> None:
    entries = sorted(p for p in walks() | counting() | words() if len(p) >= MIN_LENGTH)
    header = (
        "# Common passwords of 12 characters or more, refused by the password policy (compared lower-cased).\n"
        "# Generated by scripts/common_passwords.py; edit that script, not this file.\n"
    )
    OUT.write_text(header + "\n".join(entries) + "\n", encoding="utf-8")
    print(f"{len(entries)} entries written to {OUT}")


if __name__ == "__main__":
    main()
