"""The sender's DNS, checked before sending: SPF, the DKIM key, DMARC and its alignment. Findings in French, each
saying what to fix.

    check_dns: SPF of the envelope domain (includes followed, lookups counted against the limit of 10)
             | DKIM key at selector._domainkey.domain, compared with the key Relais signs with
             | DMARC of the From domain (else its organisational domain): policy, alignment of DKIM d= and envelope

The records come through a ``lookup(name) -> Txt`` (``delivery/dns_records.DnsLookup`` asks the DNS; tests may
hand a table): the decisions below are plain functions of the answers.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from core.settings import DkimSettings
from delivery.dns_records import Missing, Txt


class Level(StrEnum):
    ERROR = "error"  # mail will fail authentication or be refused: fix before sending
    WARNING = "warning"  # sends, but someone should look (or it could not be checked)
    INFO = "info"  # checked and right


LEVEL_FR = {Level.ERROR: "à corriger", Level.WARNING: "à surveiller", Level.INFO: "bon"}


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    code: str  # spf | spf-lookups | dkim-dns | dmarc | dmarc-alignment
    message: str  # French: what is wrong and what to fix

    def __str__(self) -> str:
        return f"{LEVEL_FR[self.level]} — {self.code} : {self.message}"


def blocking(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.level is Level.ERROR]


Lookup = Callable[[str], Txt]
SPF_LOOKUP_LIMIT = 10  # RFC 7208 §4.6.4: more, and receivers treat the record as broken (permerror)
_COUNTED = frozenset({"include", "a", "mx", "ptr", "exists", "redirect"})  # the terms that cost a DNS lookup


@dataclass
class SpfWalk:
    """What following an SPF record found: every DNS lookup it costs, and what broke on the way."""

    record: str = ""
    lookups: int = 0
    chain: list[str] = field(default_factory=list)  # the names followed, in order
    findings: list[Finding] = field(default_factory=list)


def check_dns(
    from_address: str,
    dkim: DkimSettings,
    lookup: Lookup,
    *,
    envelope_from: str = "",
    dkim_public_key: str = "",
    declared_spf: str = "",
    declared_dmarc: str = "",
    servers: str = "le résolveur du système",
) -> list[Finding]:
    """Every finding about the sender's DNS. ``dkim_public_key``: the base64 ``p=`` the signing key implies
    (:func:`public_key_record`), empty when it could not be read."""
    domain = _domain(from_address)
    envelope = _domain(envelope_from or from_address)
    out: list[Finding] = []
    spf = walk_spf(envelope, lookup, servers)
    out += spf.findings
    if spf.record and declared_spf.strip() and _squash(declared_spf) != _squash(spf.record):
        out.append(
            Finding(
                Level.WARNING,
                "spf",
                f"[mail] spf_record déclare « {declared_spf.strip()} » mais le DNS "
                f"de {envelope} publie « {spf.record} » : mettez l'un d'accord avec l'autre",
            )
        )
    key = check_dkim_key(dkim, lookup, dkim_public_key, servers) if dkim.enabled else []
    out += key
    dkim_ok = dkim.enabled and not any(f.level is Level.ERROR for f in key)  # a signature that will verify
    spf_ok = bool(spf.record) and not _broken(spf)
    out += check_dmarc(domain, envelope, dkim, dkim_ok, spf_ok, lookup, declared_dmarc, servers)
    return out


# -- SPF ---------------------------------------------------------------------------------------------------------
def walk_spf(domain: str, lookup: Lookup, servers: str) -> SpfWalk:
    walk = SpfWalk()
    found = _spf_of(domain, lookup(domain), walk, servers, top=True)
    if found is None:
        return walk
    walk.record = found
    _follow(domain, found, lookup, walk, servers, depth=0)
    if walk.lookups > SPF_LOOKUP_LIMIT:
        walk.findings.append(
            Finding(
                Level.ERROR,
                "spf-lookups",
                f"le SPF de {domain} demande {walk.lookups} requêtes DNS (include, a, mx, ptr, exists, redirect), "
                f"plus que les {SPF_LOOKUP_LIMIT} permises : les récepteurs le tiennent pour faux (permerror). "
                "Remplacez des include par les adresses ip4:/ip6: de vos relais, ou retirez les services qui "
                f"n'envoient plus pour vous. Suivis : {' → '.join(walk.chain)}",
            )
        )
    terms = found.split()
    last = next((t.lower() for t in reversed(terms) if t.lower().lstrip("+-~?") == "all"), "")
    if last in ("+all", "all"):
        walk.findings.append(
            Finding(
                Level.ERROR,
                "spf",
                f"le SPF de {domain} se termine par « {last} » : il "
                "autorise le monde entier à envoyer en son nom ; terminez-le par « -all » "
                "(ou « ~all »)",
            )
        )
    elif last not in ("-all", "~all") and not any(t.lower().startswith("redirect=") for t in terms):
        walk.findings.append(
            Finding(
                Level.WARNING,
                "spf",
                f"le SPF de {domain} ne se termine ni par « -all » ni "
                "par « ~all » : il n'interdit rien à personne ; ajoutez « ~all » puis "
                "« -all » une fois sûr de vos relais",
            )
        )
    if not _broken(walk):
        walk.findings.append(
            Finding(
                Level.INFO,
                "spf",
                f"SPF de {domain} : « {found} », {walk.lookups} requête(s) DNS sur {SPF_LOOKUP_LIMIT}",
            )
        )
    return walk


def _follow(domain: str, record: str, lookup: Lookup, walk: SpfWalk, servers: str, depth: int) -> None:
    walk.chain.append(domain)
    if depth > SPF_LOOKUP_LIMIT:  # a loop of includes: the count is over the limit long before
        return
    for term in record.split()[1:]:
        bare = term.lower().lstrip("+-~?")
        if re.split(r"[:/=]", bare, maxsplit=1)[0] not in _COUNTED:
            continue
        walk.lookups += 1
        if bare.startswith(("include:", "redirect=")):
            target = term.split(":", 1)[1] if bare.startswith("include:") else term.split("=", 1)[1]
            target = target.strip().rstrip(".")
            if "%{" in target:  # a macro: resolved per message, not here
                continue
            found = _spf_of(target, lookup(target), walk, servers, top=False, parent=domain, term=term)
            if found is not None:
                _follow(target, found, lookup, walk, servers, depth + 1)


def _spf_of(
    domain: str, txt: Txt, walk: SpfWalk, servers: str, *, top: bool, parent: str = "", term: str = ""
) -> str | None:
    where = f"le SPF de {domain}" if top else f"le « {term} » du SPF de {parent}"
    if txt.missing in (Missing.TIMEOUT, Missing.SERVFAIL):
        walk.findings.append(_unanswered("spf", f"SPF de {domain}", txt, servers))
        return None
    records = [s for s in txt.strings if s.lower() == "v=spf1" or s.lower().startswith("v=spf1 ")]
    if not records:
        if top:
            walk.findings.append(
                Finding(
                    Level.ERROR,
                    "spf",
                    f"aucun enregistrement SPF pour {domain} : publiez un TXT « v=spf1 include:<le domaine SPF de "
                    f"votre relais> -all » sur {domain} (Gmail et Yahoo refusent les envois en nombre non "
                    "authentifiés)",
                )
            )
        else:
            walk.findings.append(
                Finding(
                    Level.ERROR,
                    "spf",
                    f"{where} mène à {domain}, qui ne publie aucun SPF : "
                    "les récepteurs tiennent tout le SPF pour faux (permerror) ; corrigez ou "
                    "retirez ce terme",
                )
            )
        return None
    if len(records) > 1:
        walk.findings.append(
            Finding(
                Level.ERROR,
                "spf",
                f"{domain} publie {len(records)} enregistrements SPF : "
                "les récepteurs les rejettent (permerror) ; fusionnez-les en un seul TXT",
            )
        )
        return None
    return " ".join(records[0].split())


def _broken(walk: SpfWalk) -> bool:
    return any(f.level is Level.ERROR for f in walk.findings)


# -- DKIM --------------------------------------------------------------------------------------------------------
def check_dkim_key(dkim: DkimSettings, lookup: Lookup, expected: str, servers: str) -> list[Finding]:
    name = f"{dkim.selector}._domainkey.{dkim.domain}".lower()
    kind = "ed25519" if dkim.algorithm.startswith("ed25519") else "rsa"
    record = f"v=DKIM1; k={kind}; p={expected}" if expected else f"v=DKIM1; k={kind}; p=<votre clé publique>"
    txt = lookup(name)
    if txt.missing in (Missing.TIMEOUT, Missing.SERVFAIL):
        return [_unanswered("dkim-dns", f"la clé DKIM {name}", txt, servers)]
    tags = [_tags(s) for s in txt.strings if "p=" in s.replace(" ", "")]
    if not tags:
        return [
            Finding(
                Level.ERROR,
                "dkim-dns",
                f"aucune clé DKIM publiée à {name} : chaque signature échouera. Publiez ce TXT : « {record} »",
            )
        ]
    published = tags[0]
    p = re.sub(r"\s+", "", published.get("p", ""))
    if not p:
        return [
            Finding(
                Level.ERROR,
                "dkim-dns",
                f"la clé DKIM publiée à {name} est révoquée (p= vide) : publiez la clé de signature : « {record} »",
            )
        ]
    if published.get("k", "rsa").lower() != kind:
        return [
            Finding(
                Level.ERROR,
                "dkim-dns",
                f"la clé publiée à {name} est de type {published.get('k', 'rsa')} "
                f"alors que Relais signe en {dkim.algorithm} : publiez « {record} »",
            )
        ]
    if not expected:
        return [
            Finding(
                Level.WARNING,
                "dkim-dns",
                f"clé DKIM publiée à {name}, non comparée : [mail.dkim] key_file "
                "est illisible ; corrigez le chemin de la clé",
            )
        ]
    if p != expected:
        return [
            Finding(
                Level.ERROR,
                "dkim-dns",
                f"la clé DKIM publiée à {name} ne correspond pas à la clé de "
                f"[mail.dkim] key_file : chaque signature échouera. Publiez « {record} », ou signez avec "
                "la clé privée qui va avec la clé publiée",
            )
        ]
    return [Finding(Level.INFO, "dkim-dns", f"DKIM : la clé publiée à {name} correspond à la clé de signature")]


def public_key_record(key: bytes, algorithm: str) -> str:
    """The base64 ``p=`` value of a DKIM private key (PEM RSA, or a base64 raw Ed25519 seed). Pure."""
    if algorithm.startswith("ed25519"):
        seed = base64.b64decode(key.strip())
        public = ed25519.Ed25519PrivateKey.from_private_bytes(seed[:32]).public_key()
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode()
    private = serialization.load_pem_private_key(key, password=None)
    der = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


# -- DMARC -------------------------------------------------------------------------------------------------------
def check_dmarc(
    domain: str,
    envelope: str,
    dkim: DkimSettings,
    dkim_ok: bool,
    spf_ok: bool,
    lookup: Lookup,
    declared: str,
    servers: str,
) -> list[Finding]:
    """DMARC passes when DKIM (a signature that verifies) or SPF (a valid record) passes *and* aligns."""
    org = organisational(domain)
    txt = lookup(f"_dmarc.{domain}")
    if txt.missing in (Missing.TIMEOUT, Missing.SERVFAIL):
        return [_unanswered("dmarc", f"DMARC de {domain}", txt, servers)]
    records = [s for s in txt.strings if s.replace(" ", "").lower().startswith("v=dmarc1")]
    where = f"_dmarc.{domain}"
    if not records and org != domain:  # receivers fall back to the organisational domain's policy
        txt = lookup(f"_dmarc.{org}")
        records = [s for s in txt.strings if s.replace(" ", "").lower().startswith("v=dmarc1")]
        where = f"_dmarc.{org}"
    if not records:
        return [
            Finding(
                Level.ERROR,
                "dmarc",
                f"aucun enregistrement DMARC pour {domain} : publiez sur _dmarc.{org} "
                f"« v=DMARC1; p=none; rua=mailto:dmarc@{org} », lisez les rapports, puis passez à "
                "p=quarantine ; Gmail et Yahoo l'exigent des expéditeurs en nombre",
            )
        ]
    if len(records) > 1:
        return [
            Finding(
                Level.ERROR,
                "dmarc",
                f"{where} publie {len(records)} enregistrements DMARC : les récepteurs "
                "n'en appliquent aucun ; gardez-en un seul",
            )
        ]
    record = " ".join(records[0].split())
    tags = _tags(record)
    out: list[Finding] = []
    policy = tags.get("p", "").lower()
    if policy not in ("none", "quarantine", "reject"):
        out.append(
            Finding(
                Level.ERROR,
                "dmarc",
                f"le DMARC de {where} n'a pas de politique valable (p=none, "
                f"quarantine ou reject) : « {record} » ; corrigez la balise p=",
            )
        )
    elif policy == "none":
        out.append(
            Finding(
                Level.WARNING,
                "dmarc",
                f"DMARC de {domain} en p=none : il observe mais ne protège pas "
                "votre domaine contre l'usurpation ; quand les rapports (rua=) montrent vos envois "
                "alignés, passez à p=quarantine puis p=reject",
            )
        )
    if declared.strip() and _squash(declared) != _squash(record):
        out.append(
            Finding(
                Level.WARNING,
                "dmarc",
                f"[mail] dmarc_record déclare « {declared.strip()} » mais {where} "
                f"publie « {record} » : mettez l'un d'accord avec l'autre",
            )
        )
    strict_dkim, strict_spf = tags.get("adkim", "r").lower() == "s", tags.get("aspf", "r").lower() == "s"
    dkim_aligned = dkim_ok and aligned(dkim.domain, domain, strict=strict_dkim)
    spf_aligned = spf_ok and aligned(envelope, domain, strict=strict_spf)
    if not dkim_aligned and not spf_aligned:
        signed = "aucune signature DKIM"
        if dkim.enabled:
            broken = "" if dkim_ok else ", qui ne se vérifiera pas"
            signed = f"la signature DKIM (d={dkim.domain}{broken})"
        out.append(
            Finding(
                Level.ERROR,
                "dmarc-alignment",
                f"DMARC échouera : ni {signed} ni l'enveloppe "
                f"({envelope}, SPF {'valable' if spf_ok else 'absent ou faux'}) ne sont alignées sur le "
                f'From {domain}. Signez avec [mail.dkim] domain = "{domain}", publiez sa clé',
            )
        )
    elif not dkim_aligned:
        out.append(
            Finding(
                Level.WARNING,
                "dmarc-alignment",
                f"seul SPF aligne l'enveloppe {envelope} sur le From "
                f"{domain} : un transfert de message casse SPF, et DMARC échoue alors ; signez avec "
                f'[mail.dkim] domain = "{domain}"',
            )
        )
    else:
        out.append(
            Finding(
                Level.INFO,
                "dmarc-alignment",
                f"DMARC ({where}, p={policy or '?'}) : DKIM d={dkim.domain} "
                f"{'et SPF alignés' if spf_aligned else 'aligné'} sur le From {domain}",
            )
        )
    return out


def aligned(domain: str, from_domain: str, *, strict: bool) -> bool:
    """DMARC alignment (RFC 7489 §3.1): the same name (strict), or the same organisational domain (relaxed)."""
    a, b = domain.lower().rstrip("."), from_domain.lower().rstrip(".")
    return a == b if strict else organisational(a) == organisational(b)


def organisational(domain: str) -> str:
    """The registered domain, taken as the last two labels (right for .fr, .org, .eu; not for .co.uk-like
    suffixes, which would need the Public Suffix List)."""
    labels = domain.lower().rstrip(".").split(".")
    return ".".join(labels[-2:])


# -- shared ------------------------------------------------------------------------------------------------------
def _unanswered(code: str, what: str, txt: Txt, servers: str) -> Finding:
    why = "ne répond pas (délai dépassé)" if txt.missing is Missing.TIMEOUT else "répond par une erreur (SERVFAIL)"
    return Finding(
        Level.WARNING,
        code,
        f"{what} : non vérifié, {servers} {why} pour {txt.name} ; vérifiez "
        "[mail] dns_servers et le réseau, puis relancez relais mail check",
    )


def _tags(record: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in record.split(";"):
        if "=" in part:
            key, value = part.split("=", 1)
            out.setdefault(key.strip().lower(), value.strip())
    return out


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().lower().rstrip(".")


def _squash(record: str) -> str:
    return " ".join(record.replace(";", "; ").split()).lower().replace(" ;", ";")
