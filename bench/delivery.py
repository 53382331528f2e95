"""Relais's sending rate against Postfix's ``smtp-sink``, next to Postfix's own ``smtp-source`` in the same run.

    python -m bench delivery                 # 20,000 messages of ~20 KB, 10 connections
    RELAIS_BENCH_MESSAGES=2000 python -m bench delivery

Each Relais run is a child process (a fresh SQLite ledger, 20,000 subscribers frozen, then ``send_issue`` over
the SMTP pool), so its peak memory is its own. Only ``smtp-sink`` is started, never the Postfix mail system. When
``bench.support.pg_url`` names a PostgreSQL database, the run without DKIM is repeated with its ledger there.
``--smoke``: 200 messages; without Postfix's tools, an aiosmtpd sink (a test dependency) and no smtp-source rows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.support import pg_url, size, tool, wipe

SINK = "/usr/sbin/smtp-sink"
SOURCE = "/usr/sbin/smtp-source"
MESSAGES = int(os.environ.get("RELAIS_BENCH_MESSAGES", str(size(20_000, 200))))
CONNECTIONS = int(os.environ.get("RELAIS_BENCH_CONNECTIONS", "10"))
PROCESSES = int(os.environ.get("RELAIS_BENCH_PROCESSES", "1"))  # Relais's connections: PROCESSES x per-process
SIGNERS = os.environ.get("RELAIS_BENCH_SIGNERS", "")  # DKIM signing workers per sender process; empty: Relais's default
DKIM_RSA_MESSAGES = int(os.environ.get("RELAIS_BENCH_RSA_MESSAGES", str(MESSAGES)))  # RSA signs through OpenSSL
SIZE = 20 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"smtp-sink did not listen on {port}")


def _start_sink(port: int) -> subprocess.Popen[bytes]:
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    proc = subprocess.Popen([SINK, *user, f"127.0.0.1:{port}", "1024"], stdout=subprocess.DEVNULL)
    _wait_port(port)
    return proc


def _cpu() -> float:
    """CPU seconds of this process (all its threads) and of its children waited for (forked senders): on a
    loaded machine, the figure that moves least."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _smtp_source(port: int, messages: int) -> float:
    cmd = [SOURCE, "-s", str(CONNECTIONS), "-l", str(SIZE), "-m", str(messages), "-f", "lettre@resacoop.example"]
    t0 = time.perf_counter()
    subprocess.run([*cmd, "-t", "membre@asso.fr", f"127.0.0.1:{port}"], check=True, capture_output=True)
    return messages / (time.perf_counter() - t0)


class _Links:
    """Signed links as subscribers would make them (an HMAC each), so their cost is in the figure."""

    def prepare(self, subscriber_ids: Any) -> None:
        pass

    def _sig(self, text: str) -> str:
        mac = hmac.new(b"bench-secret", text.encode(), hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def unsubscribe_url(self, subscriber_id: int, stream: Any = None) -> str:
        return f"https://resacoop.example/desinscription/{subscriber_id}.{stream}.{self._sig(f'u{subscriber_id}')}"

    def preferences_url(self, subscriber_id: int) -> str:
        return f"https://resacoop.example/preferences/{subscriber_id}.{self._sig(f'p{subscriber_id}')}"

    def unsubscribe_mailto(self, subscriber_id: int, stream: Any = None) -> str:
        return f"mailto:desinscription@resacoop.example?subject={subscriber_id}.{self._sig(f'm{subscriber_id}')}"


class _Sampling:
    """The SMTP mailer, keeping every ``every``-th message it sends as a file in ``folder`` (forked senders
    too), for dkimpy to verify once the send is timed."""

    def __init__(self, mailer: Any, every: int, folder: Path) -> None:
        self.mailer, self.every, self.seen, self.folder = mailer, every, 0, folder
        self.concurrency = mailer.concurrency
        folder.mkdir(exist_ok=True)

    @property
    def kept(self) -> list[bytes]:
        return [f.read_bytes() for f in sorted(self.folder.iterdir())]

    def send(self, envelope_from: str, recipient: str, message: bytes) -> Any:
        return self.send_many(envelope_from, [(recipient, message)])[0]

    def send_many(self, envelope_from: str, items: Any, *hooks: Any, **named: Any) -> Any:
        for _, message in items:
            self.seen += 1
            if self.seen % self.every == 0:
                (self.folder / f"{os.getpid()}-{self.seen}.eml").write_bytes(message)
        return self.mailer.send_many(envelope_from, items, *hooks, **named)

    def close(self) -> None:
        self.mailer.close()


def _verified(messages: list[bytes], record: bytes) -> int:
    """How many of ``messages`` dkimpy verifies against the public key ``record`` (dkimpy's own code, not ours)."""
    import dkim

    return sum(bool(dkim.verify(m, dnsfunc=lambda name, timeout=5: record)) for m in messages)


class _NoBounces:
    def record(self, *args: Any, **kwargs: Any) -> None:
        pass


def child(port: int, messages: int, dkim: str, url: str = "") -> dict[str, Any]:
    """One Relais run in this process: set up a ledger, then time ``send_issue`` alone."""
    from bench.newsletter import rendered
    from core.clock import SystemClock
    from core.model import DeliveryStatus, Issue, IssueKind, Stream
    from delivery.compose import Sender, compile_segment
    from delivery.dkim import Signer
    from delivery.mailers.smtp import SmtpConfig, SmtpMailer
    from delivery.seams import Segmentation
    from delivery.send import SendConfig, SendContext, send_issue
    from storage.database import Database
    from storage.issues import IssueRepository
    from storage.migrate import upgrade
    from storage.networks import FIRST_NETWORK
    from storage.tables import SubscriberRow

    tmp = Path(tempfile.mkdtemp(prefix="relais-bench-"))
    try:
        db = Database(url or f"sqlite:///{tmp / 'relais.db'}")
        if db.dialect == "postgresql":
            wipe(db)
        upgrade(db)
        with db.session() as s:
            s.add_all(
                SubscriberRow(
                    network_id=FIRST_NETWORK,
                    email=f"membre{i}@asso{i % 500}.fr",
                    status="confirmed",
                    preferences={"streams": ["newsletter"]},
                    locale="fr",
                    soft_bounces=0,
                    token_version=0,
                )
                for i in range(messages)
            )
        with db.session() as s:
            issue = IssueRepository(s).save(Issue(kind=IssueKind.NEWSLETTER, title="n°1", subject="RESA'CLIC"))
        assert issue.id is not None
        segments = {k: rendered(issue.id, k, 9, seed=n) for n, k in enumerate(("a", "b", "c"))}
        keys = list(segments)
        signer, record = None, b""
        if dkim == "rsa":
            key = tmp / "dkim.pem"
            subprocess.run(
                ["openssl", "genrsa", "-traditional", "-out", str(key), "2048"], check=True, capture_output=True
            )
            der = subprocess.run(
                ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True, capture_output=True
            ).stdout
            record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)
            signer = Signer.from_file("resacoop.example", "relais", key, "rsa-sha256")
        elif dkim == "ed25519":
            import nacl.signing

            sk = nacl.signing.SigningKey.generate()
            key = tmp / "dkim.key"
            key.write_bytes(base64.b64encode(bytes(sk)))
            record = b"v=DKIM1; k=ed25519; p=" + base64.b64encode(bytes(sk.verify_key))
            signer = Signer.from_file("resacoop.example", "relais", key, "ed25519-sha256")
        per_process = max(1, CONNECTIONS // PROCESSES)  # the same total connection count as smtp-source
        # One message in 100 kept for dkimpy (one in 10 at the smoke size).
        smtp = SmtpMailer(SmtpConfig("127.0.0.1", port, timeout=30, connections=per_process))
        mailer = _Sampling(smtp, max(1, min(100, messages // 20)), tmp / "sample")
        ctx = SendContext(
            db=db,
            mailer=mailer,
            segmenter=lambda _i, _subs: Segmentation(segments, lambda sub: keys[(sub.id or 0) % 3]),
            links=_Links(),
            bounces=_NoBounces(),
            clock=SystemClock(),
            sender=Sender("lettre@resacoop.example", "RESACOOP", "", "resaclic.resacoop.example", "RESA'CLIC"),
            secret="bench",
            view_url=lambda i: f"https://resacoop.example/lettres/{i}",
            signer=signer,
            config=SendConfig(processes=PROCESSES, signing_processes=int(SIGNERS) if SIGNERS else None),
        )
        cpu0, t0 = _cpu(), time.perf_counter()
        report = send_issue(ctx, issue.id)
        seconds, cpu = time.perf_counter() - t0, _cpu() - cpu0
        mailer.close()
        accepted = report.counts[DeliveryStatus.ACCEPTED]
        sample = mailer.kept if signer else []
        template = compile_segment(segments[keys[0]], ctx.sender, Stream.NEWSLETTER, view_url="x").dkim_body
        return {
            "verified": f"{_verified(sample, record)}/{len(sample)}" if signer else "",
            "shared": template.shared if template else 0.0,
            "messages": accepted,
            "seconds": seconds,
            "rate": accepted / seconds,
            # the largest of this process and its forked senders (ru_maxrss is per process, in KB)
            "cpu_ms": 1000 * cpu / max(1, accepted),
            "peak_mb": max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
            / 1024,
            "outcome": report.outcome,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _relais(port: int, messages: int, dkim: str, url: str = "") -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.delivery", "child", str(port), str(messages), dkim, url]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=Path(__file__).parents[1])
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


class _PythonSink:
    """At the smoke size without Postfix: aiosmtpd accepting everything (far slower than smtp-sink: no reference)."""

    def __init__(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        class Accept:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                return "250 OK"

        self.controller = Controller(Accept(), hostname="127.0.0.1", port=port)
        self.controller.start()

    def terminate(self) -> None:
        self.controller.stop()

    def wait(self) -> None:
        pass


def main() -> None:
    sink_path = tool(SINK, "postfix", "smtp-sink (an aiosmtpd sink instead) and the smtp-source rows")
    source_path = tool(SOURCE, "postfix", "the smtp-source rows") if sink_path else None
    port = _free_port()
    sink: Any = _start_sink(port) if sink_path else _PythonSink(port)
    try:
        source = _smtp_source(port, MESSAGES) if source_path else 0.0
        runs = [
            ("Relais, DKIM off", _relais(port, MESSAGES, "off")),
            ("Relais, DKIM Ed25519", _relais(port, MESSAGES, "ed25519")),
            ("Relais, DKIM RSA-2048", _relais(port, min(MESSAGES, DKIM_RSA_MESSAGES), "rsa")),
        ]
        if pg_url():
            runs.append(("Relais, DKIM off, PostgreSQL", _relais(port, MESSAGES, "off", pg_url())))
        else:
            print("PostgreSQL: not measured (no RELAIS_TEST_DATABASE_URL or RELAIS_BENCH_DATABASE_URL)")
        source_after = _smtp_source(port, MESSAGES) if source_path else 0.0
    finally:
        sink.terminate()
        sink.wait()
    ref = (source + source_after) / 2
    print(f"\ndelivery: ~20 KB messages to smtp-sink on 127.0.0.1, {CONNECTIONS} connections")
    print(f"Relais: {PROCESSES} sender process(es) x {max(1, CONNECTIONS // PROCESSES)} connections")
    rows = []
    if source_path:
        rows = [("smtp-source (before)", MESSAGES, MESSAGES / source, source, "", "", "", ""),
                ("smtp-source (after)", MESSAGES, MESSAGES / source_after, source_after, "", "", "", "")]  # fmt: skip
    for name, r in runs:
        ratio = f"{100 * r['rate'] / ref:.0f} %" if source_path else "n/a"
        cpu = f"{r['cpu_ms']:.2f}"
        rows.append((name, r["messages"], r["seconds"], r["rate"], ratio, cpu, f"{r['peak_mb']:.0f}", r["verified"]))
    print(
        "| sender                       | messages | seconds |   msg/s | vs smtp-source | CPU ms/msg | peak MB |"
        " dkimpy verified |"
    )
    print(
        "|------------------------------|----------|---------|---------|----------------|------------|---------|"
        "-----------------|"
    )
    for name, n, sec, rate, ratio, cpu, peak, verified in rows:
        print(
            f"| {name:<28} | {n:>8} | {sec:>7.1f} | {rate:>7.0f} | {ratio:>14} | {cpu:>10} | {peak:>7} |"
            f" {verified:>15} |"
        )
    shared = runs[0][1]["shared"]
    print(f"DKIM: {100 * shared:.0f} % of each canonical body is hashed once per segment, the rest per message")
    print("targets (issue 17): without DKIM >= 80 % of smtp-source, Ed25519 and RSA-2048 >= 50 %; peak <= 300 MB")
    failed = [name for name, r in runs if r["verified"] and r["verified"].split("/")[0] != r["verified"].split("/")[1]]
    if failed:
        raise SystemExit(f"dkimpy refused signatures of: {', '.join(failed)}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        print(
            json.dumps(child(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else ""))
        )
    else:
        main()
