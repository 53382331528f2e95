"""Composing every message of an issue: 20,000 subscribers over 300 segments of 20–60 KB of HTML.

    python -m bench compose
    python -m bench --smoke compose           # 200 subscribers over 5 segments

Per segment: serialise once (``compile_segment``); per subscriber: personal headers, signed links, placeholders
(``personalise``). The rendered HTML comes from ``bench/newsletter.py`` until the digest's renderer is plugged in.

Then system emails (a sign-up's confirmation, rendered by the subscribers' renderer): ``compose_system`` against
``email`` composing each whole, in the same run.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bench.delivery import _Links
from bench.newsletter import rendered
from bench.support import size
from core.message import SystemEmail
from core.model import Stream, Subscriber
from core.settings import NetworkSettings
from delivery.compose import (
    Recipient,
    Sender,
    _compose_system_whole,
    compile_segment,
    compose_system,
    personalise,
    wrap_lines,
)
from delivery.ledger import message_id

SUBSCRIBERS = int(os.environ.get("RELAIS_BENCH_SUBSCRIBERS", str(size(20_000, 200))))
SEGMENTS = size(300, 5)
SENDER = Sender("lettre@resacoop.example", "RESACOOP", "contact@resacoop.example", "resaclic.resacoop.example")
SYSTEM_EMAILS = size(2_000, 50)


def main() -> None:
    t0 = time.perf_counter()
    segments = [rendered(1, f"seg{n}", 15 + n % 30, seed=n) for n in range(SEGMENTS)]  # 20–60 KB of HTML
    t_render = time.perf_counter() - t0
    html_kb = [len(s.html.encode()) / 1024 for s in segments]

    t0 = time.perf_counter()
    compiled = [
        compile_segment(s, SENDER, Stream.NEWSLETTER, view_url="https://resacoop.example/lettres/1") for s in segments
    ]
    t_compile = time.perf_counter() - t0

    links, now, total = _Links(), datetime.now(UTC), 0
    t0 = time.perf_counter()
    for sid in range(1, SUBSCRIBERS + 1):
        mid = message_id(1, sid, secret="bench", domain=SENDER.domain)
        r = Recipient(sid, f"membre{sid}@asso{sid % 500}.fr", mid)
        total += len(personalise(compiled[sid % SEGMENTS], r, links, date=now, sender=SENDER))
    t_personal = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"\ncompose: {SUBSCRIBERS:,} subscribers over {SEGMENTS} segments")
    print(
        f"HTML per segment {min(html_kb):.0f}–{max(html_kb):.0f} KB; messages {total / SUBSCRIBERS / 1024:.0f} KB avg"
    )
    print("| stage                                   | seconds | per item |")
    print("|-----------------------------------------|---------|----------|")
    for label, seconds in ((f"stand-in rendering ({SEGMENTS} segments)", t_render),
                           (f"compile_segment ({SEGMENTS}, serialised once)", t_compile)):  # fmt: skip
        print(f"| {label:<39} | {seconds:>7.2f} | {1000 * seconds / SEGMENTS:>5.2f} ms |")
    label = f"personalise ({SUBSCRIBERS:,} messages)"
    print(f"| {label:<39} | {t_personal:>7.2f} | {1e6 * t_personal / SUBSCRIBERS:>5.0f} µs |")
    print(f"| all Relais composition                  | {t_compile + t_personal:>7.2f} |          |")
    print(f"peak memory {peak:.0f} MB; targets: composition <= 10 s, peak <= 500 MB")
    system_emails(now)


def _wrapped(mail: SystemEmail) -> tuple[str, str]:
    """The texts as both paths send them (wrapped under 998 octets; these always can be)."""
    text, html = wrap_lines(mail.text), wrap_lines(mail.html)
    assert text is not None and html is not None
    return text, html


def system_emails(now: datetime) -> None:
    """Confirmation emails as a sign-up makes them: ``compose_system`` beside ``email`` composing each whole."""
    from subscribers.mailer import SystemEmailRenderer

    network = NetworkSettings(name="RESACOOP", newsletter_name="RESA'CLIC", from_address=SENDER.from_address)
    renderer = SystemEmailRenderer(network)
    mails = [
        renderer.render("confirm", Subscriber(email=f"membre{n}@asso{n % 500}.fr", name=f"Membre {n}"),
                        {"confirm": f"https://resacoop.example/confirmer/{n:08x}.signature"})
        for n in range(SYSTEM_EMAILS)
    ]  # fmt: skip
    mid = "<relais.system.confirm.0badcafe@resacoop.example>"

    def whole(mail: SystemEmail) -> bytes:
        return _compose_system_whole(mail, SENDER, message_id=mid, date=now, wrapped=_wrapped(mail))

    def framed(mail: SystemEmail) -> bytes:
        return compose_system(mail, SENDER, message_id=mid, date=now)

    timings: dict[str, float] = {}
    compositions: list[tuple[str, Callable[[SystemEmail], bytes]]] = [
        ("email, each whole (reference)", whole), ("compose_system (frame once per subject)", framed),
    ]  # fmt: skip
    for label, compose in compositions:
        t0 = time.perf_counter()
        for mail in mails:
            compose(mail)
        timings[label] = time.perf_counter() - t0
    print(f"\nsystem emails: {SYSTEM_EMAILS:,} confirmation emails, each rendered beforehand")
    print("| composition                             | seconds | per email |")
    print("|-----------------------------------------|---------|-----------|")
    for label, seconds in timings.items():
        print(f"| {label:<39} | {seconds:>7.2f} | {1000 * seconds / SYSTEM_EMAILS:>6.3f} ms |")
    reference, ours = timings.values()
    print(f"compose_system ÷ email: {ours / reference:.2f}")


if __name__ == "__main__":
    main()
