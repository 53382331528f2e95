"""A system email written into its subject's frame is, byte for byte, what ``email`` composes from scratch."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from core.message import SystemEmail
from delivery.compose import Sender, _compose_system_whole, compose_system, wrap_lines

WHEN = datetime(2026, 12, 6, 9, 30, 12, 345678, tzinfo=UTC)
MID = "<relais.system.confirm.0badcafe12345678@resacoop.example>"
PLAIN = Sender("lettre@resacoop.example")
NAMED = Sender("lettre@resacoop.example", "RÉSACOOP – Réseau régional", "contact@resacoop.example")
BOUNDARY = re.compile(rb'boundary="([^"]+)"')

HTML = (
    '<!doctype html>\n<html><body><p>Bonjour Camille,</p>\n<p><a href="https://r.example/c/x">Je confirme</a></p>'
    "</body></html>\n"
)
TEXTS = [
    "Bonjour Camille,\n\nConfirmez votre inscription : https://r.example/c/x\n",
    "Sans fin de ligne à la fin",
    "Des fins de ligne\r\nde toutes\rles sortes\n\n\n",
    "",
    "\n",
    "From the start, a line that begins with From\nFrom here too\n",
    "Un mot très long " + "é" * 300 + " puis la suite, coupée sous 998 octets " + "mot " * 400,
    "Ligne . seule\n.\n..\nfin\n",
]


def _whole(mail: SystemEmail, sender: Sender, frame_bytes: bytes) -> bytes:
    """``email``'s own composition, its random boundary replaced by the frame's."""
    wrapped = wrap_lines(mail.text), wrap_lines(mail.html)
    assert wrapped[0] is not None and wrapped[1] is not None
    data = _compose_system_whole(mail, sender, message_id=MID, date=WHEN, wrapped=(wrapped[0], wrapped[1]))
    ours = BOUNDARY.search(frame_bytes)
    theirs = BOUNDARY.search(data)
    assert ours and theirs
    return data.replace(theirs.group(1), ours.group(1))


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("sender", [PLAIN, NAMED], ids=["address", "name-and-reply-to"])
def test_the_framed_email_is_what_email_composes(text: str, sender: Sender) -> None:
    mail = SystemEmail(
        to="camille@asso.fr", subject="Confirmez votre inscription à « RESA'CLIC »", html=HTML, text=text
    )
    data = compose_system(mail, sender, message_id=MID, date=WHEN)
    assert data == _whole(mail, sender, data)


def test_subjects_and_addresses_that_need_encoding() -> None:
    for subject, to in [
        ("Votre lien de réinitialisation du mot de passe — Relais " * 3, "camille@asso.fr"),
        ("ASCII only", "camille@résacoop.example"),
        ("Bienvenue 🌍 dans la lettre", "x@xn--rsacoop-bya.example"),
    ]:
        mail = SystemEmail(to=to, subject=subject, html=HTML, text=TEXTS[0])
        data = compose_system(mail, NAMED, message_id=MID, date=WHEN)
        assert data == _whole(mail, NAMED, data)
        msg = email.message_from_bytes(data, policy=email.policy.default)
        assert str(msg["Subject"]) == subject and str(msg["To"]) == to


def _parts(data: bytes) -> tuple[EmailMessage, str, str]:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    contents = [str(p.get_content()).replace("\r\n", "\n") for p in (text, html)]
    return msg, contents[0], contents[1]


def test_a_text_holding_the_frames_boundary_is_composed_whole() -> None:
    """A subscriber's name is in the text: one that spells the boundary must not end the part early."""
    probe = compose_system(SystemEmail("a@asso.fr", "Sujet", HTML, "x"), PLAIN, message_id=MID, date=WHEN)
    found = BOUNDARY.search(probe)
    assert found
    hostile = f"Bonjour --{found.group(1).decode()}\nContent-Type: text/html\n\n<script>alert(1)</script>\n"
    data = compose_system(SystemEmail("a@asso.fr", "Sujet", HTML, hostile), PLAIN, message_id=MID, date=WHEN)
    other = BOUNDARY.search(data)
    assert other and other.group(1) != found.group(1)  # email chose a boundary the text does not hold
    msg, text, html = _parts(data)
    assert text == hostile and html == HTML
    assert len(list(msg.iter_parts())) == 2


def test_a_line_that_cannot_be_wrapped_goes_base64() -> None:
    mail = SystemEmail("a@asso.fr", "Sujet", HTML, "https://r.example/" + "x" * 1200 + "\n")
    data = compose_system(mail, PLAIN, message_id=MID, date=WHEN)
    assert b"Content-Transfer-Encoding: base64" in data
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    _, text, html = _parts(data)
    assert text == mail.text and html == HTML


def test_the_headers_a_system_email_carries() -> None:
    mail = SystemEmail("camille@asso.fr", "Confirmez", HTML, TEXTS[0])
    msg, text, html = _parts(compose_system(mail, NAMED, message_id=MID, date=WHEN))
    assert msg["Date"] == "Sun, 06 Dec 2026 09:30:12 +0000" and msg["Message-ID"] == MID
    assert msg["To"] == "camille@asso.fr" and msg["Reply-To"] == "contact@resacoop.example"
    assert msg["From"].addresses[0].display_name == NAMED.from_name
    assert msg["Auto-Submitted"] == "auto-generated" and msg["List-Unsubscribe"] is None
    assert text == TEXTS[0] and html == HTML
