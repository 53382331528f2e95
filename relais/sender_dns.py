"""The sender's DNS checked from the settings: what ``relais mail check`` prints (and a send can ask first)."""

from __future__ import annotations

from core.settings import Settings
from delivery.dns_checks import Finding, check_dns, public_key_record
from delivery.dns_records import DnsLookup


def check_sender_dns(settings: Settings) -> list[Finding]:
    """SPF, the DKIM key and DMARC of ``[network] from_address`` (also the envelope sender), asked of ``[mail]
    dns_servers`` (else the system's resolver)."""
    mail, dkim = settings.mail, settings.dkim  # the network's own key, when it has one
    public = ""
    if dkim.enabled and dkim.key_file:
        try:
            public = public_key_record(settings.resolve(dkim.key_file).read_bytes(), dkim.algorithm)
        except (OSError, ValueError, TypeError):  # unreadable or not a key: said by check_dkim_key
            public = ""
    lookup = DnsLookup(mail)
    sender = settings.network.from_address
    return check_dns(
        sender,
        dkim,
        lookup,
        envelope_from=sender,
        dkim_public_key=public,
        declared_spf=mail.spf_record,
        declared_dmarc=mail.dmarc_record,
        servers=lookup.servers,
    )
