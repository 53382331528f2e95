"""A real IMAP server for the bounce tests: Debian's Dovecot, started as a throwaway process (never the system
service) on 127.0.0.1 and a free port, with its configuration, one user and its Maildir in a temporary folder.

As root, Dovecot refuses to run its login processes or to hand mail to uid 0: they run as the package's own
``dovenull``/``dovecot`` users and the mail belongs to ``nobody``. As anyone else, everything runs as that user.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapclient import IMAPClient

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "rebonds", "mot-de-passe-de-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Dovecot:
    root: Path
    port: int  # plain IMAP (STARTTLS offered when started with tls=True)
    tls_port: int = 0  # IMAPS, with tls=True
    process: subprocess.Popen[bytes] | None = None

    @property
    def ca_file(self) -> Path:
        """The self-signed certificate, to trust in the client's SSL context (tls=True)."""
        return self.root / "cert.pem"

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def client(self) -> IMAPClient:
        c = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        c.login(USER, PASSWORD)
        return c

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as c:
            c.append(folder, raw)

    def uids(self, folder: str = "INBOX") -> list[int]:
        with self.client() as c:
            if not c.folder_exists(folder):
                return []
            c.select_folder(folder, readonly=True)
            return sorted(int(u) for u in c.search("ALL"))

    def subjects(self, folder: str = "INBOX") -> list[str]:
        with self.client() as c:
            if not c.folder_exists(folder):
                return []
            c.select_folder(folder, readonly=True)
            got = c.fetch(c.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
            return sorted(v[b"BODY[HEADER.FIELDS (SUBJECT)]"].decode("utf-8", "replace").strip() for v in got.values())

    def flags(self, folder: str = "INBOX") -> dict[int, set[bytes]]:
        with self.client() as c:
            c.select_folder(folder, readonly=True)
            return {int(u): set(v[b"FLAGS"]) for u, v in c.fetch(c.search("ALL"), ["FLAGS"]).items()}

    def start(self) -> None:
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # readiness, not a timed assertion: wait until it listens
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                if s.recv(64).startswith(b"* OK"):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen on {self.port}: {self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


def _config(root: Path, port: int, extra: str) -> str:
    me = pwd.getpwuid(os.geteuid()).pw_name
    if os.geteuid() == 0:
        login, internal, mail_user, mail_group = "dovenull", "dovecot", "nobody", grp.getgrgid(65534).gr_name
    else:
        login = internal = mail_user = me
        mail_group = grp.getgrgid(os.getegid()).gr_name
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = 0
mail_uid = {mail_user}
mail_gid = {mail_group}
{extra}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
"""


@contextlib.contextmanager
def dovecot(*, without_move: bool = False, tls: bool = False) -> Iterator[Dovecot]:
    """A running Dovecot; ``without_move``: it does not announce MOVE (RFC 6851), like older servers; ``tls``: with
    a self-signed certificate for 127.0.0.1, STARTTLS on the plain port and IMAPS on ``tls_port``."""
    if not (os.access(DOVECOT, os.X_OK) and os.path.exists("/usr/lib/dovecot/imap")):
        pytest.fail("Dovecot is missing: run scripts/install-system-deps (Debian package dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="relais-dovecot-"))
    root.chmod(0o755)  # the login and mail processes run as other users (as root) and must reach it
    port, tls_port = free_port(), free_port() if tls else 0
    extra = ""
    if without_move:
        extra += "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE NAMESPACE UIDPLUS\n"
    if tls:
        _self_signed(root)
        extra += f"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem\n"
    else:
        extra += "ssl = no\n"
    extra += f"service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n"
    if tls:
        extra += f"  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port}\n    ssl = yes\n  }}\n"
    extra += "}\n"
    (root / "dovecot.conf").write_text(_config(root, port, extra))
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    (root / "mail").mkdir()
    if os.geteuid() == 0:
        shutil.chown(root / "mail", "nobody", grp.getgrgid(65534).gr_name)
    server = Dovecot(root, port, tls_port)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _self_signed(root: Path) -> None:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (root / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (root / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


class CuttingProxy:
    """A TCP proxy to the server that drops both sides, without forwarding it, when the client sends ``marker``
    for the ``nth`` time: a connection lost in the middle of a pass, at a chosen command."""

    def __init__(self, target_port: int, marker: bytes, nth: int) -> None:
        self.target_port, self.marker, self.nth = target_port, marker, nth
        self.seen = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.cut = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                server = socket.create_connection(("127.0.0.1", self.target_port))
                threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()
                threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, from_client: bool) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                if from_client and self.marker in data:
                    self.seen += data.count(self.marker)
                    if self.seen >= self.nth:
                        self.cut.set()
                        break
                dst.sendall(data)
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def close(self) -> None:
        self.listener.close()
