"""The one exception root of Relais.

    RelaisError
    ├── ConfigError          the configuration file is missing, malformed or wrong
    ├── StorageError         the database is unreachable or its schema does not match
    │   └── SchemaTooNew     the database was migrated by a newer Relais
    ├── NotFound             a named thing (item, issue, subscriber, source) does not exist
    ├── InvalidInput         a user's input was refused (form field, CLI argument, CSV row)
    ├── InvalidTransition    a state change that the rules in core.states forbid
    ├── FetchError           a source could not be fetched or parsed (watch)
    ├── MailError            a message could not be handed to the mail system (delivery)
    │   └── SendInterrupted  a send gave up waiting for its database or its mail system (French, one line)
    └── MailboxError         the bounce mailbox could not be read (IMAP: refused login, dropped connection…)

Foreign exceptions (httpx, smtplib, SQLAlchemy) are wrapped where they enter; the CLI and web layers map these
to exit codes and HTTP statuses.

Every error carries a stable ``code`` and its ``params`` beside its message (English for scripts and logs, or
French when it was written for people at the raise site). People read it through :func:`core.messages.describe`,
which finds the French template of the code (a Babel message id, translated for another locale) and fills it
with the parameters; the class's own code (``invalid_input``, ``fetch``…) says "no template: the message is
already written for people". A raise site names its code like httpx names its exception: ``raise
InvalidInput("item 3 is not in this issue", code="item_not_in_issue", item=3)``.
"""

from __future__ import annotations

from typing import Any


class RelaisError(Exception):
    """Root of every error Relais raises on purpose. ``code``: stable, snake_case, one per kind of refusal (the
    class's own code when the raise site names none); ``params``: what the French template needs."""

    code: str = "error"

    def __init__(self, message: str = "", *args: object, code: str | None = None, **params: Any) -> None:
        super().__init__(message, *args)
        if code is not None:
            self.code = code
        self.params: dict[str, Any] = params


class ConfigError(RelaisError):
    code = "config"


class StorageError(RelaisError):
    code = "storage"


class SchemaTooNew(StorageError):
    code = "schema_too_new"


class NotFound(RelaisError):
    code = "not_found"


class InvalidInput(RelaisError):
    code = "invalid_input"


class InvalidTransition(RelaisError):
    code = "invalid_transition"


class FetchError(RelaisError):
    code = "fetch"


class MailError(RelaisError):
    code = "mail"


class SendInterrupted(MailError):
    """A send waited ``[mail] give_up_after_seconds`` for its database or its mail system and stopped. Its message
    is French, for the staff, and says how to resume; the ledger knows what went."""

    code = "send_interrupted"


class MailboxError(RelaisError):
    """The bounce mailbox could not be read; the message is French, for the staff. What was handled before the
    failure stays handled; the rest is read on the next pass."""
