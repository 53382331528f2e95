"""A round of messages, one per connection, driven from one thread: each gets its own answer, in order."""

from __future__ import annotations

import pytest

from delivery.mailers.base import Verdict
from delivery.mailers.smtp import SmtpConfig, SmtpMailer
from tests.delivery.smtp_servers import Handler, smtp_server


def _message(n: int, extra: bytes = b"") -> bytes:
    return (
        b"From: lettre@resacoop.example\r\nTo: m%d@asso.fr\r\nMessage-ID: <r.%d@resacoop.example>\r\n"
        b"Subject: t\r\n\r\nbonjour %d\r\n%s" % (n, n, n, extra)
    )


@pytest.mark.parametrize("pipelining", [False, True], ids=["lockstep", "pipelined"])
def test_a_round_answers_each_message_in_its_place(pipelining: bool) -> None:
    handler = Handler(on_rcpt=lambda r: "550 5.1.1 unknown user" if r == "m2@asso.fr" else None)
    with smtp_server(handler) as port:
        mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=5, connections=4, pipelining=pipelining))
        items = [(f"m{n}@asso.fr", _message(n)) for n in range(4)]
        first = mailer.send_many("lettre@resacoop.example", items)
        second = mailer.send_many("lettre@resacoop.example", items)  # the same connections, reused after a refusal
        mailer.close()
    for results in (first, second):
        assert [r.verdict for r in results] == [Verdict.ACCEPTED, Verdict.ACCEPTED, Verdict.PERMANENT, Verdict.ACCEPTED]
        assert results[2].code == 550
    assert sorted(r.recipient for r in handler.received) == sorted(["m0@asso.fr", "m1@asso.fr", "m3@asso.fr"] * 2)


def test_lines_starting_with_a_dot_are_stuffed_and_arrive_intact() -> None:
    handler = Handler()
    with smtp_server(handler) as port:
        mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=5, connections=2))
        body = b".une ligne qui commence par un point\r\n..deux\r\n.\r\nfin\r\n"
        results = mailer.send_many("lettre@resacoop.example", [("m0@asso.fr", _message(0, body))])
        mailer.close()
    assert results[0].verdict is Verdict.ACCEPTED
    assert handler.received[0].data.replace(b"\r\n", b"\n").endswith(body.replace(b"\r\n", b"\n"))


def test_a_relay_that_cannot_be_reached_answers_unavailable_for_each_message() -> None:
    with smtp_server(Handler()) as port:
        pass  # the server is gone: nothing listens on the port any more
    mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=2, connections=2))
    results = mailer.send_many("lettre@resacoop.example", [("a@asso.fr", _message(0)), ("b@asso.fr", _message(1))])
    assert [r.verdict for r in results] == [Verdict.UNAVAILABLE, Verdict.UNAVAILABLE]  # nothing was sent


@pytest.mark.parametrize("pipelining", [False, True], ids=["lockstep", "pipelined"])
def test_meanwhile_runs_before_any_end_and_afterwards_once_every_end_is_written(pipelining: bool) -> None:
    """The send loop commits the previous round in ``meanwhile``: no message of this round may be accepted yet.
    ``afterwards`` (the next round composed) comes once, after it, before the verdicts are read."""
    handler = Handler()
    seen: list[tuple[str, int]] = []
    with smtp_server(handler) as port:
        mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=5, connections=3, pipelining=pipelining))
        items = [(f"m{n}@asso.fr", _message(n)) for n in range(3)]
        results = mailer.send_many(
            "lettre@resacoop.example",
            items,
            meanwhile=lambda: seen.append(("meanwhile", len(handler.received))),
            afterwards=lambda: seen.append(("afterwards", len(handler.received))),
        )
        mailer.close()
    assert [r.verdict for r in results] == [Verdict.ACCEPTED] * 3
    assert [name for name, _ in seen] == ["meanwhile", "afterwards"]
    assert seen[0][1] == 0  # nothing accepted before the commit
    assert len(handler.received) == 3


def test_the_hooks_run_even_when_no_connection_can_be_made() -> None:
    with smtp_server(Handler()) as port:
        pass
    mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=2, connections=2))
    seen: list[str] = []
    results = mailer.send_many(
        "lettre@resacoop.example",
        [("a@asso.fr", _message(0))],
        meanwhile=lambda: seen.append("meanwhile"),
        afterwards=lambda: seen.append("afterwards"),
    )
    assert [r.verdict for r in results] == [Verdict.UNAVAILABLE]
    assert seen == ["meanwhile", "afterwards"]
