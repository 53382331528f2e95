"""Pre-send checks: what would hurt deliverability or the law, found before the first message leaves.

The configuration checks (SPF/DKIM/DMARC declared for the From domain) and the message checks (unsubscribe
headers present and signed) live here; HTML checks are plain functions ``(html) -> list[Finding]`` so the digest's
own (``digest/checks.py``) plug in beside the basic ones below.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from core.settings import MailSettings

MAX_HTML_BYTES = 102 * 1024  # Gmail clips larger messages, hiding the unsubscribe link at the bottom


class Level(StrEnum):
    ERROR = "error"  # do not send
    WARNING = "warning"  # send, but someone should look
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    code: str
    message: str


HtmlCheck = Callable[[str], list[Finding]]


def check_config(mail: MailSettings, from_address: str) -> list[Finding]:
    domain = from_address.rsplit("@", 1)[-1].lower()
    out: list[Finding] = []
    if not mail.spf_record.strip().startswith("v=spf1"):
        out.append(Finding(Level.WARNING, "spf", f"no SPF record declared for {domain} in [mail] spf_record"))
    if not mail.dmarc_record.strip().startswith("v=DMARC1"):
        out.append(Finding(Level.WARNING, "dmarc", f"no DMARC record declared for {domain} in [mail] dmarc_record"))
    dk = mail.dkim
    if not dk.enabled:
        out.append(Finding(Level.WARNING, "dkim", "DKIM signing is off ([mail.dkim] enabled = false)"))
    elif dk.domain.lower() != domain and not domain.endswith("." + dk.domain.lower()):
        out.append(Finding(Level.ERROR, "dkim", f"DKIM domain {dk.domain} does not align with From {domain}"))
    out.append(Finding(Level.INFO, "dns", f"DNS records of {domain}: not checked (offline)"))
    return out


def check_message(message: bytes, *, dkim_enabled: bool) -> list[Finding]:
    """On a message as it would leave: RFC 8058 headers present, and signed when DKIM is on."""
    msg = email.message_from_bytes(message, policy=email.policy.default)
    out: list[Finding] = []
    unsub = str(msg.get("List-Unsubscribe", ""))
    if "<https://" not in unsub:
        out.append(Finding(Level.ERROR, "list-unsubscribe", "List-Unsubscribe has no https URL"))
    if "<mailto:" not in unsub:
        out.append(Finding(Level.WARNING, "list-unsubscribe", "List-Unsubscribe has no mailto: URL"))
    if str(msg.get("List-Unsubscribe-Post", "")) != "List-Unsubscribe=One-Click":
        out.append(Finding(Level.ERROR, "list-unsubscribe-post", "List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
    if dkim_enabled:
        sig = str(msg.get("DKIM-Signature", ""))
        h = re.search(r"\bh=([^;]+)", sig.replace("\r\n", "").replace(" ", ""))
        signed = {x.lower() for x in h.group(1).split(":")} if h else set()
        for name in ("from", "list-unsubscribe", "list-unsubscribe-post"):
            if name not in signed:
                out.append(Finding(Level.ERROR, "dkim-coverage", f"the DKIM signature does not cover {name}"))
    return out


def check_size(html: str) -> list[Finding]:
    size = len(html.encode("utf-8"))
    if size >= MAX_HTML_BYTES:
        return [Finding(Level.ERROR, "html-size", f"HTML is {size // 1024} KB: Gmail clips from 102 KB")]
    return []


def check_images_alt(html: str) -> list[Finding]:
    tree = LexborHTMLParser(html)
    missing = [n.attributes.get("src") or "?" for n in tree.css("img") if n.attributes.get("alt") is None]
    return [Finding(Level.ERROR, "img-alt", f"image without alt text: {src}") for src in missing]


def check_no_localhost(html: str) -> list[Finding]:
    tree = LexborHTMLParser(html)
    out = []
    for node in tree.css("a[href], img[src]"):
        url = node.attributes.get("href") or node.attributes.get("src") or ""
        host = (urlsplit(url).hostname or "").lower()
        if host in ("localhost", "127.0.0.1", "::1", "0.0.0.0") or host.endswith(".localhost"):  # noqa: S104
            out.append(Finding(Level.ERROR, "localhost-link", f"link to a local address: {url}"))
    return out


BASIC_HTML_CHECKS: tuple[HtmlCheck, ...] = (check_size, check_images_alt, check_no_localhost)


def check_html(html: str, checks: Iterable[HtmlCheck] = BASIC_HTML_CHECKS) -> list[Finding]:
    return [f for check in checks for f in check(html)]


def blocking(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.level is Level.ERROR]
