"""Composing once per segment and personalising in bytes gives the same message a full composition would."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage

from core.message import Placeholder, RenderedSegment
from core.model import Stream
from delivery.compose import MAX_LINE, Recipient, compile_segment, personalise, wrap_lines
from tests.delivery.fakes import SENDER, FakeLinks, segment

WHEN = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
ALICE = Recipient(42, "alice@asso.fr", "<relais.1.42.0badcafe@resacoop.example>")


def _parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _body(msg: EmailMessage, kind: str) -> str:
    part = msg.get_body((kind,))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def test_every_header_a_newsletter_needs() -> None:
    compiled = compile_segment(segment(1, "a"), SENDER, Stream.NEWSLETTER, view_url="https://resacoop.example/l/1")
    msg = _parse(personalise(compiled, ALICE, FakeLinks(), date=WHEN, sender=SENDER))
    assert msg["From"] == "RESACOOP <lettre@resacoop.example>"
    assert msg["Reply-To"] == "contact@resacoop.example"
    assert msg["To"] == "alice@asso.fr"
    assert msg["Message-ID"] == ALICE.message_id
    assert msg["Date"] == "Mon, 02 Nov 2026 08:00:00 +0000"
    assert msg["Subject"] == "RESA'CLIC — a"
    assert msg["List-Id"] == "RESA'CLIC <resaclic.resacoop.example>"
    assert msg["List-Unsubscribe"] == (
        "<https://resacoop.example/d/42/newsletter>, <mailto:desinscription@resacoop.example?subject=u42>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Precedence"] == "bulk"
    assert msg["Feedback-ID"] == "1:newsletter:resaclic.resacoop.example:relais"
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert all(
        p.get_content_charset() == "utf-8" and p["Content-Transfer-Encoding"] == "8bit" for p in msg.iter_parts()
    )


def test_placeholders_are_replaced_in_both_parts() -> None:
    compiled = compile_segment(segment(1, "a"), SENDER, Stream.NEWSLETTER, view_url="https://resacoop.example/l/1")
    msg = _parse(personalise(compiled, ALICE, FakeLinks(), date=WHEN, sender=SENDER))
    html, text = _body(msg, "html"), _body(msg, "plain")
    assert 'href="https://resacoop.example/d/42/newsletter"' in html
    assert 'href="https://resacoop.example/p/42"' in html
    assert "envoyé à alice@asso.fr" in html
    assert 'href="https://resacoop.example/l/1"' in html
    assert "Se désinscrire : https://resacoop.example/d/42/newsletter" in text
    assert "RELAISx" not in html + text


def test_two_subscribers_differ_only_by_their_personal_parts() -> None:
    compiled = compile_segment(segment(1, "a"), SENDER, Stream.NEWSLETTER, view_url="v")
    bob = Recipient(43, "bob@asso.fr", "<relais.1.43.00000000@resacoop.example>")
    a = personalise(compiled, ALICE, FakeLinks(), date=WHEN, sender=SENDER)
    b = personalise(compiled, bob, FakeLinks(), date=WHEN, sender=SENDER)
    neutral = (
        a.replace(b"alice@asso.fr", b"X")
        .replace(b"/42", b"/N")
        .replace(b"u42", b"uN")
        .replace(ALICE.message_id.encode(), b"M")
    )
    assert neutral == b.replace(b"bob@asso.fr", b"X").replace(b"/43", b"/N").replace(b"u43", b"uN").replace(
        bob.message_id.encode(), b"M"
    )


def test_long_lines_are_wrapped_below_998_octets() -> None:
    long_line = " ".join(["coopération"] * 400)  # ~4,800 octets on one line
    seg = RenderedSegment(1, "a", "s", f"<p>{long_line} {Placeholder.EMAIL}</p>", long_line)
    data = personalise(
        compile_segment(seg, SENDER, Stream.NEWSLETTER, view_url="v"), ALICE, FakeLinks(), date=WHEN, sender=SENDER
    )
    assert max(len(line) for line in data.split(b"\r\n")) < 998
    assert _body(_parse(data), "html").split() == f"<p>{long_line} alice@asso.fr</p>".split()


def test_a_line_that_cannot_be_wrapped_goes_base64_and_keeps_its_placeholders_right() -> None:
    unbreakable = "x" * 3_000
    seg = RenderedSegment(1, "a", "s", f"<p>{unbreakable}{Placeholder.EMAIL}</p>", "texte")
    compiled = compile_segment(seg, SENDER, Stream.NEWSLETTER, view_url="v")
    data = personalise(compiled, ALICE, FakeLinks(), date=WHEN, sender=SENDER)
    msg = _parse(data)
    assert msg.get_body(("html",))["Content-Transfer-Encoding"] == "base64"  # type: ignore[index]
    assert _body(msg, "html").strip() == f"<p>{unbreakable}alice@asso.fr</p>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert max(len(line) for line in data.split(b"\r\n")) < 998


def test_wrap_lines_counts_octets_not_characters() -> None:
    text = " ".join(["é" * 10] * 200)  # 20 octets a word
    wrapped = wrap_lines(text)
    assert wrapped is not None
    assert all(len(line.encode()) <= MAX_LINE for line in wrapped.splitlines())
    assert wrapped.split() == text.split()
    assert wrap_lines("y" * 2_000) is None


class LongLinks(FakeLinks):
    """Signed links as long as real ones (a base URL and a token of ~150 characters), or longer."""

    def __init__(self, size: int = 150) -> None:
        self.token = "t" * size

    def unsubscribe_url(self, subscriber_id: int, stream: Stream | None = None) -> str:
        return f"https://lettre.resacoop.example/unsubscribe/{self.token}"

    def preferences_url(self, subscriber_id: int) -> str:
        return f"https://lettre.resacoop.example/preferences/{self.token}"


def _footer_segment() -> RenderedSegment:
    """A footer line as the templates render it: the address and both links on one line of about 850 octets."""
    style = 'style="font-family:Arial, Helvetica, sans-serif;font-size:12px;line-height:1.5;color:#555555;"'
    line = (
        f"<tr><td {style}><div {style}>Vous recevez ce message à l'adresse {Placeholder.EMAIL} parce que vous êtes "
        f'abonné·e.</div></td></tr><tr><td {style}><a href="{Placeholder.UNSUBSCRIBE_URL}" {style}>Se désinscrire'
        f'</a> · <a href="{Placeholder.PREFERENCES_URL}" {style}>Mes préférences</a></td></tr>'
    )
    assert 700 < len(line.encode()) < MAX_LINE
    return RenderedSegment(1, "k", "Sujet", f"<html><body><table>{line}</table></body></html>", "Texte\n")


def test_lines_stay_under_998_octets_once_the_links_are_substituted() -> None:
    """Found by the month scenario: a footer under 900 octets grew past SMTP's 998 with real signed links and
    the relay refused every message ("500 Line too long")."""
    compiled = compile_segment(_footer_segment(), SENDER, Stream.EMAILING, view_url="v")
    data = personalise(compiled, ALICE, LongLinks(), date=WHEN, sender=SENDER)
    assert max(len(line) for line in data.split(b"\r\n")) < 998
    msg = _parse(data)
    assert msg.get_body(("html",))["Content-Transfer-Encoding"] == "8bit"  # type: ignore[index]
    assert "lettre.resacoop.example/unsubscribe/" + "t" * 150 in _body(msg, "html")


def test_a_value_longer_than_its_budget_sends_that_message_base64() -> None:
    compiled = compile_segment(_footer_segment(), SENDER, Stream.EMAILING, view_url="v")
    data = personalise(compiled, ALICE, LongLinks(size=1_200), date=WHEN, sender=SENDER)
    msg = _parse(data)
    assert msg.get_body(("html",))["Content-Transfer-Encoding"] == "base64"  # type: ignore[index]
    assert max(len(line) for line in data.split(b"\r\n")) <= 998  # RFC 5321: 998 octets before CRLF
    assert "t" * 1_200 in _body(msg, "html")


class _TrickyLinks(FakeLinks):
    """A preferences link that carries another placeholder's text: substituted once, never again."""

    def preferences_url(self, subscriber_id: int) -> str:
        return f"https://resacoop.example/p/{subscriber_id}?{Placeholder.EMAIL}"


def test_the_body_split_at_its_placeholders_gives_what_one_substitution_would() -> None:
    """The compiled body is split at its placeholders once and joined with each message's values: the bytes
    are those of core.message.fill over the whole body (placeholders first, last, repeated, side by side, a word
    that only looks like one, a value holding a placeholder's text)."""
    seg = segment(1, "a")
    html = (
        f"{Placeholder.EMAIL}{seg.html}{Placeholder.EMAIL} {Placeholder.UNSUBSCRIBE_URL}{Placeholder.PREFERENCES_URL}"
    )
    text = f"{seg.text}\nRELAISxOTHERxWORD {Placeholder.PREFERENCES_URL}"
    compiled = compile_segment(
        RenderedSegment(1, "a", seg.subject, html, text), SENDER, Stream.NEWSLETTER, view_url="https://v.example/1"
    )
    assert len(compiled.parts) > 9
    whole = replace(compiled, parts=())  # no split: the regex substitution over the body
    for links in (FakeLinks(), _TrickyLinks()):
        assert personalise(compiled, ALICE, links, date=WHEN, sender=SENDER) == personalise(
            whole, ALICE, links, date=WHEN, sender=SENDER
        )
    assert b"?RELAISxEMAILxADDR" in personalise(compiled, ALICE, _TrickyLinks(), date=WHEN, sender=SENDER)
