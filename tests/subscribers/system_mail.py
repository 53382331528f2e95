"""System emails over the real send path (delivery's composer and SMTP pool) to a test SMTP server."""

from __future__ import annotations

from core.clock import Clock
from delivery.compose import Sender
from delivery.mailers.smtp import SmtpConfig, SmtpMailer
from delivery.system import SystemEmails
from subscribers.mailer import SystemEmailRenderer


def smtp_system_mailer(renderer: SystemEmailRenderer, port: int, clock: Clock) -> SystemEmails:
    net = renderer.network
    sender = Sender(net.from_address, net.from_name or net.name, net.reply_to)
    return SystemEmails(renderer, SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=10, connections=1)), sender, clock)
