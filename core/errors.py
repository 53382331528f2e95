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
    └── MailboxError         the bounce mailbox could not be read (IMAP: refused login, dropped connection…)

Foreign exceptions (httpx, smtplib, SQLAlchemy) are wrapped where they enter; the CLI and web layers map these
to exit codes and HTTP statuses.
"""


class RelaisError(Exception):
    """Root of every error Relais raises on purpose."""


class ConfigError(RelaisError):
    pass


class StorageError(RelaisError):
    pass


class SchemaTooNew(StorageError):
    pass


class NotFound(RelaisError):
    pass


class InvalidInput(RelaisError):
    pass


class InvalidTransition(RelaisError):
    pass


class FetchError(RelaisError):
    pass


class MailError(RelaisError):
    pass


class MailboxError(RelaisError):
    """The bounce mailbox could not be read; the message is French, for the staff. What was handled before the
    failure stays handled; the rest is read on the next pass."""
