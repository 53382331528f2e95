"""A source's stored error (the watch's English, httpx's exception names) read in French on the admin's pages."""

from __future__ import annotations

import pytest

from admin.source_errors import in_french


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("ConnectError: [Errno 111] Connection refused", "connexion refusée"),
        ("ConnectError: [Errno -2] Name or service not known", "nom de domaine introuvable"),
        ("ReadTimeout: ", "le serveur a cessé de répondre (délai de lecture dépassé)"),
        ("RemoteProtocolError: Server disconnected", "le serveur a coupé la connexion ou répondu de façon invalide"),
        ("HTTP 404 Not Found", "HTTP 404 : page introuvable"),
        ("HTTP 500 Internal Server Error", "HTTP 500 : erreur du serveur"),
        ("HTTP 418 I'm a teapot", "HTTP 418 : réponse en erreur"),
        ("timed out after 20 s", "délai dépassé après 20 s"),
        ("more than 5 redirects (a loop?)", "plus de 5 redirections (une boucle ?)"),
        ("body of 9,000,000 bytes is over the 5,000,000-byte limit",
         "réponse de 9,000,000 octets, au-delà de la limite de 5,000,000 octets"),
        ("not a feed (no RSS, Atom or JSON Feed root element)", "ce n'est pas un flux (ni RSS, ni Atom, ni JSON Feed)"),
        ("no list at items path 'data.rows'", "aucune liste au chemin 'data.rows'"),
        ("adresse interne refusée : 10.0.0.1", "adresse interne refusée : 10.0.0.1"),  # French already
        ("HTTP 503 en lisant la source", "HTTP 503 en lisant la source"),
        ("something nobody foresaw", "erreur : something nobody foresaw"),
        (None, ""),
    ],
)  # fmt: skip
def test_stored_errors_read_in_french(stored: str | None, shown: str) -> None:
    assert in_french(stored) == shown
