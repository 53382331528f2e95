"""DKIM signing (relaxed/relaxed), covering the headers receivers and RFC 8058 care about.

Each message differs from its segment's siblings only by its personal headers and the values of its
placeholders, yet every message needs its own body hash and signature. What makes that cheap:

- the body is canonicalised once per segment, placeholders still in (:class:`BodyTemplate`): a value without
  whitespace or line breaks changes nothing else on its line, so the canonical body of a message is the
  template's with the values in. The SHA-256 state after the part before the first placeholder is kept, and each
  message's body hash continues from a copy of it (``hashlib``'s ``copy()``): only the tail is hashed again;
- the header hash covers a dozen short fields, relaxed as dkimpy does it (without its regexes where they change
  nothing; a segment's shared fields relaxed once), selected, and folded as dkimpy's ``fold`` folds them: it
  runs once per shape of tag list and its line breaks are put into each message's list (:func:`_fold`);
- the signature itself is OpenSSL's, through ``cryptography`` (RSA PKCS#1 v1.5 over SHA-256: ~0.3 ms; Ed25519:
  ~0.03 ms), the key parsed once. ``cryptography`` lets go of the GIL while it signs RSA, so
  :meth:`Signer.fields` signs a round's RSA messages on two threads: one message's RSA operation runs while the
  next one's header is hashed, or beside another's on the second core. The send loop has it done in a worker
  process (:mod:`delivery.signing`) while it talks SMTP.

The DKIM-Signature written is byte for byte the one dkimpy writes for the same message, key and second (its tag
order and folding; both signature schemes are deterministic): ``tests/delivery/test_dkim.py`` checks it, and that
dkimpy verifies every signature. dkimpy is pinned below its next minor version for the internals used here.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from core.errors import ConfigError, MailError
from core.message import Placeholder

SIGNED_HEADERS = (
    b"From", b"To", b"Subject", b"Date", b"Message-ID", b"Reply-To", b"List-Id", b"List-Unsubscribe",
    b"List-Unsubscribe-Post", b"Feedback-ID", b"MIME-Version", b"Content-Type",
)  # fmt: skip
_SIGNED_ORDER = tuple(h.lower() for h in SIGNED_HEADERS)  # the h= tag, in this order, of those present
_SIGNED = set(_SIGNED_ORDER)
_NAME = b"DKIM-Signature"
_UNSAFE = re.compile(rb"[ \t\r\n]")  # a value with these changes its line's canonical form around it


_TRAILING_WSP = re.compile(rb"[ \t]+\r\n")
_WSP_RUN = re.compile(rb"[ \t]{2,}|\t")  # dkimpy's ``[\t ]+`` rewrites every single space too: same result, slower


def canonical_body(body: bytes) -> bytes:
    """RFC 6376 3.4.4, relaxed: no whitespace at line ends, runs of it as one space, no empty lines at the end
    (an empty body stays empty; a last line without CRLF gets one)."""
    body = _WSP_RUN.sub(b" ", _TRAILING_WSP.sub(b"\r\n", body))
    end = len(body)
    while body.endswith(b"\r\n", 0, end):
        end -= 2
    if end == 0:
        return b""
    return body[: end + 2] if end < len(body) else body + b"\r\n"


class BodyTemplate:
    """A segment's body canonicalised once, placeholders in, to hash each message's body from its values.

    ``body`` is the body as sent (after the header's blank line) with its placeholders. :meth:`body_hash` gives
    the SHA-256 of the canonical body with ``values`` in, or None when a value would change its line's canonical
    form (empty, or with whitespace or line breaks): the caller then hashes the whole body."""

    __slots__ = ("_body", "_names", "_prefix", "_shared", "_tail")

    def __init__(self, body: bytes, names: tuple[Placeholder, ...] = tuple(Placeholder)) -> None:
        self._body, self._names = body, names  # canonicalised on first use: a send without DKIM never pays it
        self._prefix: hashlib._Hash | None = None
        self._tail: list[tuple[Placeholder, bytes]] = []
        self._shared = 1.0

    def _canonicalise(self) -> hashlib._Hash:
        if self._prefix is None:
            canonical = canonical_body(self._body)
            pattern = re.compile(b"(" + b"|".join(re.escape(n.value.encode("ascii")) for n in self._names) + b")")
            parts = pattern.split(canonical)  # literal, placeholder, literal, …
            self._tail = [(Placeholder(parts[i].decode("ascii")), parts[i + 1]) for i in range(1, len(parts), 2)]
            self._shared = len(parts[0]) / len(canonical) if canonical else 1.0
            self._prefix = hashlib.sha256(parts[0])
        return self._prefix

    @property
    def shared(self) -> float:
        """The share of the canonical body before its first placeholder: hashed once, not per message."""
        self._canonicalise()
        return self._shared

    def body_hash(self, values: Mapping[Placeholder, bytes]) -> bytes | None:
        prefix = self._canonicalise()
        pieces = []
        for name, literal in self._tail:
            value = values.get(name)
            if value is None:
                pieces.append(name.value.encode("ascii"))
            elif not value or _UNSAFE.search(value):
                return None
            else:
                pieces.append(value)
            pieces.append(literal)
        h = prefix.copy()
        h.update(b"".join(pieces))
        return h.digest()


@dataclass(frozen=True, slots=True)
class Signer:
    domain: str
    selector: str
    key: bytes  # PEM (RSA) or base64 raw 32-byte seed (Ed25519), as dkimpy reads them
    algorithm: str = "rsa-sha256"
    clock: Callable[[], float] = time.time  # the t= tag

    @classmethod
    def from_file(cls, domain: str, selector: str, key_file: Path, algorithm: str) -> Signer:
        if algorithm not in ("rsa-sha256", "ed25519-sha256"):
            raise ConfigError(
                f"mail.dkim.algorithm: must be rsa-sha256 or ed25519-sha256, not {algorithm!r}",
                code="dkim_algorithm",
                value=algorithm,
            )
        if not domain or not selector:
            raise ConfigError(
                "mail.dkim: domain and selector are required when DKIM is enabled", code="dkim_domain_selector"
            )
        try:
            key = key_file.read_bytes().strip()
        except OSError as exc:
            raise ConfigError(
                f"mail.dkim.key_file: cannot read {key_file}: {exc}", code="dkim_key_unreadable", path=key_file
            ) from None
        signer = cls(domain, selector, key, algorithm)
        try:  # a bad key fails at start, not on the first message
            signer.sign(b"From: a@" + domain.encode() + b"\r\nSubject: t\r\n\r\nt\r\n")
        except MailError as exc:
            raise ConfigError(
                f"mail.dkim.key_file: {key_file}: {exc}", code="dkim_key_invalid", path=key_file
            ) from None
        return signer

    def sign_all(self, messages: Sequence[tuple[bytes, bytes | None]]) -> list[bytes]:
        """:meth:`sign` for each ``(message, body_hash)``, in order; RSA on a thread pool (see the module)."""
        return [f + m for f, (m, _) in zip(self.fields(messages), messages, strict=True)]

    def fields(self, messages: Sequence[tuple[bytes, bytes | None]], at: int | None = None) -> list[bytes]:
        """:meth:`field` for each ``(message, body_hash)``, in order; RSA on a thread pool (see the module)."""
        if self.algorithm != "rsa-sha256" or len(messages) < 2:
            return [self.field(m, body_hash=h, at=at) for m, h in messages]
        return list(_pool().map(lambda item: self.field(item[0], body_hash=item[1], at=at), messages))

    def sign(self, message: bytes, *, body_hash: bytes | None = None) -> bytes:
        """The message (CRLF line ends) with its DKIM-Signature header prepended. ``body_hash``: the SHA-256 of
        its canonical body when the caller knows it (:class:`BodyTemplate`), else it is computed here."""
        return self.field(message, body_hash=body_hash) + message

    def field(self, message: bytes, *, body_hash: bytes | None = None, at: int | None = None) -> bytes:
        """The DKIM-Signature field (name, value, CRLF) for ``message``, to be written before its first header.
        With ``body_hash`` only the message's head is read (a signing worker is sent the head alone); ``at``: the
        t= tag, when the caller's clock is not this process's (a forked worker's copy of a test clock)."""
        try:
            key = _private_key(self.key, self.algorithm)
        except (ValueError, TypeError) as exc:  # cryptography's answer to a key it cannot read
            raise MailError(
                f"DKIM signing failed ({self.algorithm}, d={self.domain}): bad key ({exc})",
                code="dkim_bad_key",
                domain=self.domain,
            ) from None
        head, sep, body = message.partition(b"\r\n\r\n")
        if not sep and head.endswith(b"\r\n"):  # no body at all
            head = head[:-2]
        if body_hash is None:
            body_hash = hashlib.sha256(canonical_body(body)).digest()
        signed = [(n, _relaxed_once(v)) for n, v in _fields(head) if n in _SIGNED]
        present = {n for n, _ in signed}
        names = [h for h in _SIGNED_ORDER if h in present]
        include = b" : ".join(names)
        if b"from" not in names:
            raise MailError(
                f"DKIM signing failed ({self.algorithm}, d={self.domain}): no From header",
                code="dkim_no_from",
                domain=self.domain,
            )
        # The tags in dkimpy's order: v a c d i q s t h bh b. b= first holds dkimpy's placeholder, so that it folds
        # onto its own line as dkimpy's does, then is emptied for the hash.
        start = b"v=1; a=%s; c=relaxed/relaxed; d=%s; i=@%s; q=dns/txt; s=%s" % (
            self.algorithm.encode(),
            self.domain.encode(),
            self.domain.encode(),
            self.selector.encode(),
        )
        t = str(int(self.clock()) if at is None else at).encode("ascii")
        bh = base64.b64encode(body_hash)
        folded = _fold(start, t, include, bh, b"0" * 60, b"")
        value = folded[: folded.rindex(b"b=") + 2]  # dkimpy's RE_BTAG: b= is the last tag, no other value has "b="
        last = dict(signed)  # each name once in h=: its last instance is signed (RFC 6376 5.4.2, as dkimpy does)
        hashed = [name + b":" + last[name] for name in names]
        hashed.append(b"dkim-signature:" + _relaxed(b" " + value)[:-2])  # its own field, without its CRLF
        h = hashlib.sha256(b"".join(hashed))
        if isinstance(key, rsa.RSAPrivateKey):
            signature = key.sign(h.digest(), padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        else:
            signature = key.sign(h.digest())  # RFC 8463: Ed25519 over the SHA-256 of the header hash input
        header = _fold(start, t, include, bh, base64.b64encode(signature), b"\r\n")
        return _NAME + b": " + header


def _fields(head: bytes) -> list[tuple[bytes, bytes]]:
    """The head's fields as (relaxed name, raw value with its continuation lines), as dkimpy parses them."""
    lines = head.split(b"\r\n")
    if b"\r\n " not in head and b"\r\n\t" not in head and not head.startswith((b" ", b"\t")):  # none folded
        return [(name.lower().rstrip(), value) for name, _, value in (line.partition(b":") for line in lines)]
    out: list[tuple[bytes, bytes]] = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and out:
            name, value = out[-1]
            out[-1] = (name, value + b"\r\n" + line)
        else:
            name, _, value = line.partition(b":")
            out.append((name.lower().rstrip(), value))
    return out


def _relaxed(value: bytes) -> bytes:
    """RFC 6376 3.4.2, a header field's value, relaxed (unfolded, runs of whitespace as one space, stripped), with
    its CRLF: dkimpy's ``Relaxed.canonicalize_headers`` without a regex for the values that need none."""
    value = value.replace(b"\r\n", b"").replace(b"\n", b"")
    if b"\t" in value or b"  " in value:
        value = _WSP_RUN.sub(b" ", value)
    return value.strip() + b"\r\n"


_relaxed_once = lru_cache(maxsize=1024)(_relaxed)  # a segment's shared fields come back in every message


def _fold(start: bytes, t: bytes, include: bytes, bh: bytes, b: bytes, end: bytes) -> bytes:
    """dkimpy's ``fold`` of the tag list ``start; t=…; h=…; bh=…; b=…`` + ``end``, without running it per
    message: ``fold`` breaks lines where the text's spaces and lengths say, never looking at other characters, so
    a list with the same spaces and lengths folds the same way. The breaks of a template (the values as runs of
    ``x``) are found once (:func:`_breaks`) and put into the list itself."""
    text = b"%s; t=%s; h=%s; bh=%s; b=%s%s" % (start, t, include, bh, b, end)
    breaks = _breaks(start, len(t), include, len(bh), len(b), end)
    if breaks is None:
        return bytes(dkim.fold(text, namelen=len(_NAME)))
    return _insert(text, breaks)


def _insert(text: bytes, breaks: tuple[tuple[int, bytes], ...]) -> bytes:
    parts: list[bytes] = []
    last = 0
    for at, inserted in breaks:
        parts += (text[last:at], inserted)
        last = at
    parts.append(text[last:])
    return b"".join(parts)


@lru_cache(maxsize=64)
def _breaks(start: bytes, t: int, include: bytes, bh: int, b: int, end: bytes) -> tuple[tuple[int, bytes], ...] | None:
    """Where dkimpy's ``fold`` puts its line breaks into a tag list of this shape: (offset, inserted) pairs, or
    None when its answer is not the text with breaks inserted (then it is run on each list)."""
    text = b"%s; t=%s; h=%s; bh=%s; b=%s%s" % (start, b"x" * t, include, b"x" * bh, b"x" * b, end)
    folded = bytes(dkim.fold(text, namelen=len(_NAME)))
    out: list[tuple[int, bytes]] = []
    i = j = 0
    while i < len(text) or j < len(folded):
        if i < len(text) and j < len(folded) and folded[j] == text[i]:
            i, j = i + 1, j + 1
        elif folded.startswith(b"\r\n ", j) and i < len(text) and text[i : i + 1] == b" ":
            out.append((i, b"\r\n"))  # a break at a space: the space begins the next line
            j += 2
        elif folded.startswith(b"\r\n ", j):
            out.append((i, b"\r\n "))  # a break inside a long value
            j += 3
        else:
            return None
    return tuple(out) if _insert(text, tuple(out)) == folded else None


_POOL: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """Two signing threads per process, made in the process that uses them (a forked sender makes its own: the
    parent's threads do not exist in the child)."""
    pid = os.getpid()
    pool = _POOL.get(pid)
    if pool is None:
        _POOL.clear()
        pool = _POOL[pid] = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dkim")
    return pool


@lru_cache(maxsize=4)
def _private_key(key: bytes, algorithm: str) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    if algorithm == "ed25519-sha256":
        return ed25519.Ed25519PrivateKey.from_private_bytes(base64.b64decode(key, validate=True))
    loaded = serialization.load_pem_private_key(key, password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return loaded
