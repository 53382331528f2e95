"""A round of messages, one per connection, driven from one thread: each gets its own answer, in order."""

from __future__ import annotations

import threading

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
def test_meanwhile_runs_before_any_end_is_written_and_afterwards_once_they_all_are(pipelining: bool) -> None:
    """The send loop commits the previous round in ``meanwhile``: no message of this round may be accepted yet.
    ``upcoming`` is asked once, after it; ``afterwards`` (the next round composed) comes last."""
    handler = Handler()
    seen: list[tuple[str, int]] = []

    def upcoming() -> list[str]:
        seen.append(("upcoming", len(handler.received)))
        return []

    with smtp_server(handler) as port:
        mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=5, connections=3, pipelining=pipelining))
        items = [(f"m{n}@asso.fr", _message(n)) for n in range(3)]
        results = mailer.send_many(
            "lettre@resacoop.example",
            items,
            meanwhile=lambda: seen.append(("meanwhile", len(handler.received))),
            upcoming=upcoming,
            afterwards=lambda: seen.append(("afterwards", -1)),
        )
        mailer.close()
    assert [r.verdict for r in results] == [Verdict.ACCEPTED] * 3
    assert seen == [("meanwhile", 0), ("upcoming", 0), ("afterwards", -1)]  # nothing accepted before the commit
    assert len(handler.received) == 3


def test_the_hooks_run_even_when_no_connection_can_be_made() -> None:
    with smtp_server(Handler()) as port:
        pass
    mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=2, connections=2))
    seen: list[str] = []
    results = mailer.send_many(
        "lettre@resacoop.example",
        [("a@asso.fr", _message(0))],
        lambda: seen.append("meanwhile"),
        afterwards=lambda: seen.append("afterwards"),
    )
    assert [r.verdict for r in results] == [Verdict.UNAVAILABLE]
    assert seen == ["meanwhile", "afterwards"]


def _rounds(n: int, size: int) -> list[list[tuple[str, bytes]]]:
    return [[(f"m{r * size + k}@asso.fr", _message(r * size + k)) for k in range(size)] for r in range(n)]


def test_the_next_rounds_envelopes_go_with_this_rounds_ends_and_each_message_arrives_once() -> None:
    """Pipelined rounds, each naming the next one's recipients: every message arrives once, on as many
    connections as the round has (the primed ones are the ones reused)."""
    handler = Handler()
    rounds = _rounds(4, 3)
    with smtp_server(handler) as port:
        mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=5, connections=3, pipelining=True))
        answers = []
        for r, items in enumerate(rounds):
            following = [rcpt for rcpt, _ in rounds[r + 1]] if r + 1 < len(rounds) else []
            answers.append(mailer.send_many("lettre@resacoop.example", items, upcoming=lambda f=following: f))
            assert len(mailer._primed.get(threading.get_ident(), {})) == len(following)
        mailer.close()
    assert all(r.verdict is Verdict.ACCEPTED for results in answers for r in results)
    assert sorted(r.recipient for r in handler.received) == sorted(rcpt for items in rounds for rcpt, _ in items)
    assert {r.message_id for r in handler.received} == {f"<r.{n}@resacoop.example>" for n in range(12)}


def test_an_envelope_written_for_a_recipient_who_does_not_come_sends_nothing() -> None:
    """The next call sends others (or the mailer closes): the connections that wrote an envelope for someone
    else are closed in the middle of their DATA, and the relay keeps nothing of it."""
    handler = Handler()
    first, other = _rounds(2, 2)
    with smtp_server(handler) as port:
        mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=5, connections=2, pipelining=True))
        mailer.send_many("lettre@resacoop.example", first, upcoming=lambda: ["x@asso.fr", "y@asso.fr"])
        results = mailer.send_many("lettre@resacoop.example", other, upcoming=lambda: ["z@asso.fr"])
        mailer.close()  # z's envelope is pending on a connection: closed, not QUIT (it would be z's content)
    assert all(r.verdict is Verdict.ACCEPTED for r in results)
    assert sorted(r.recipient for r in handler.received) == sorted(rcpt for rcpt, _ in first + other)


def test_a_message_refused_at_its_end_closes_the_connection_that_wrote_the_next_envelope() -> None:
    """A refusal after the end is read while the next envelope waits in a DATA: no RSET can be sent there (it
    would be content), so the connection is closed and the next message goes on a new one, once."""
    handler = Handler(on_data=lambda rcpt, n: "452 4.3.1 full" if rcpt == "m0@asso.fr" else None)
    rounds = _rounds(2, 2)
    with smtp_server(handler) as port:
        mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=5, connections=2, pipelining=True))
        first = mailer.send_many("lettre@resacoop.example", rounds[0], upcoming=lambda: [r for r, _ in rounds[1]])
        second = mailer.send_many("lettre@resacoop.example", rounds[1])
        mailer.close()
    assert [r.verdict for r in first] == [Verdict.TEMPORARY, Verdict.ACCEPTED]
    assert [r.verdict for r in second] == [Verdict.ACCEPTED, Verdict.ACCEPTED]
    assert sorted(r.recipient for r in handler.received) == ["m1@asso.fr", "m2@asso.fr", "m3@asso.fr"]
